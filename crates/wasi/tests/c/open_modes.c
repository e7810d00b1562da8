/* open(2) flag combinations C programs use, with Linux's results: O_APPEND with O_TRUNC
 * truncates and then appends; a directory cannot be opened for writing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, const char *path) {
    char buf[128] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("%s: %s\n", what, strerror(errno)); return; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("%s: %zd bytes: %s", what, n, buf);
}

static void append(const char *path, int flags, const char *text) {
    int fd = open(path, flags, 0644);
    if (fd < 0) { printf("open %s: %s\n", path, strerror(errno)); return; }
    /* Appending ignores the position. */
    lseek(fd, 0, SEEK_SET);
    if (write(fd, text, strlen(text)) < 0) printf("write: %s\n", strerror(errno));
    close(fd);
}

int main(void) {
    append("/work/log.txt", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, "one\n");
    append("/work/log.txt", O_WRONLY | O_APPEND, "two\n");
    append("/work/log.txt", O_CREAT | O_WRONLY | O_APPEND, "three\n");
    show("appended", "/work/log.txt");
    append("/work/log.txt", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, "fresh\n");
    show("truncated", "/work/log.txt");
    if (mkdir("/work/d", 0755)) printf("mkdir: %s\n", strerror(errno));
    int fd = open("/work/d", O_DIRECTORY | O_RDWR);
    printf("directory for writing: %s\n", fd < 0 ? strerror(errno) : "opened");
    fd = open("/work/d", O_RDWR);
    printf("directory for writing, no O_DIRECTORY: %s\n", fd < 0 ? strerror(errno) : "opened");
    fd = open("/work/d", O_DIRECTORY | O_RDONLY);
    printf("directory for reading: %s\n", fd < 0 ? strerror(errno) : "opened");
    return 0;
}
