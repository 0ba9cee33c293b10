/* crr: bounded TCP connection-rate load for the steering benchmark (steering-bench.sh).
 *   crr server BINDADDR PORT MAXSECONDS        accept, echo one byte, close; exits after MAXSECONDS
 *   crr client DSTADDR PORT SECONDS MAXCOUNT   new connection per transaction: connect, send 1 byte,
 *                                              read it back, close with RST; prints "conns=N secs=S rate=R"
 * Every loop is bounded by a count and by wall-clock time (alarm() as a hard stop). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int addr(const char *a, int port, struct sockaddr_in *s) {
    memset(s, 0, sizeof *s);
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    return inet_pton(AF_INET, a, &s->sin_addr) == 1 && port > 0 && port < 65536;
}

static int serve(struct sockaddr_in *s, int maxsec) {
    alarm(maxsec);
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)s, sizeof *s) || listen(l, 256)) { perror("crr server bind/listen"); return 1; }
    for (;;) {
        int c = accept(l, NULL, NULL);
        if (c < 0) { if (errno == EINTR || errno == ECONNABORTED) continue; perror("crr accept"); return 1; }
        struct timeval tv = {2, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char b;
        if (read(c, &b, 1) == 1) (void)!write(c, &b, 1);
        close(c);
    }
}

int main(int argc, char **argv) {
    struct sockaddr_in s;
    if (argc == 5 && !strcmp(argv[1], "server")) {
        if (!addr(argv[2], atoi(argv[3]), &s)) { fprintf(stderr, "crr: bad address or port\n"); return 2; }
        return serve(&s, atoi(argv[4]));
    }
    if (argc != 6 || strcmp(argv[1], "client")) { fprintf(stderr, "usage: crr server ADDR PORT MAXSECONDS | crr client ADDR PORT SECONDS MAXCOUNT\n"); return 2; }
    if (!addr(argv[2], atoi(argv[3]), &s)) { fprintf(stderr, "crr: bad address or port\n"); return 2; }
    double secs = atof(argv[4]);
    long maxn = atol(argv[5]), n = 0, failed = 0;
    if (secs <= 0 || secs > 60 || maxn <= 0) { fprintf(stderr, "crr: SECONDS must be in (0,60], MAXCOUNT > 0\n"); return 2; }
    alarm((unsigned)secs + 20);
    double t0 = now(), t = t0;
    while (n < maxn && (t = now()) - t0 < secs) {
        int c = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct timeval tv = {5, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        char b = 'x';
        if (connect(c, (struct sockaddr *)&s, sizeof s) == 0 && write(c, &b, 1) == 1 && read(c, &b, 1) == 1) n++;
        else if (++failed > 100) { perror("crr client"); close(c); return 1; }
        struct linger lg = {1, 0};
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(c);
    }
    t = now();
    printf("conns=%ld failed=%ld secs=%.3f rate=%.1f\n", n, failed, t - t0, n / (t - t0));
    return 0;
}
