/* Arguments, environment, a file written and read back through a preopen, and an
 * escape attempt that must fail. Exits with 5 so the test can see the status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    const char *v = getenv("GREETING");
    printf("GREETING=%s\n", v ? v : "(unset)");
    FILE *f = fopen("/data/note.txt", "w");
    if (!f) { printf("fopen failed: %s\n", strerror(errno)); return 3; }
    fprintf(f, "written by C\n");
    fclose(f);
    f = fopen("/data/note.txt", "r");
    char buf[64] = {0};
    fgets(buf, sizeof buf, f);
    fclose(f);
    printf("read back: %s", buf);
    FILE *g = fopen("/data/../../etc/passwd", "r");
    printf("escape: %s\n", g ? "OPENED" : strerror(errno));
    return 5;
}
