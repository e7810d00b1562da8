/* Directories through wasi-libc: create, list (sorted), rename, stat, remove. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path) {
    DIR *d = opendir(path);
    if (!d) { printf("opendir %s: %s\n", path, strerror(errno)); return; }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s:", path);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

int main(void) {
    if (mkdir("/work/a", 0755) || mkdir("/work/a/b", 0755)) { printf("mkdir: %s\n", strerror(errno)); return 1; }
    FILE *f = fopen("/work/a/one.txt", "w");
    fputs("12345", f);
    fclose(f);
    list("/work/a");
    if (rename("/work/a/one.txt", "/work/a/b/two.txt")) printf("rename: %s\n", strerror(errno));
    list("/work/a");
    list("/work/a/b");
    struct stat st;
    if (stat("/work/a/b/two.txt", &st) == 0) printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    printf("rmdir non-empty: %s\n", rmdir("/work/a/b") ? strerror(errno) : "removed?!");
    unlink("/work/a/b/two.txt");
    printf("rmdir empty: %s\n", rmdir("/work/a/b") ? strerror(errno) : "ok");
    printf("mkdir outside: %s\n", mkdir("/work/../outside", 0755) ? strerror(errno) : "CREATED");
    list("/work/a");
    return 0;
}
