/* test_sdnotify.c - sd_notify messages arrive on a real NOTIFY_SOCKET.
 *
 * Plays systemd: binds a unix datagram socket in a temp folder, points
 * NOTIFY_SOCKET at it and checks each datagram.  Also: no-op without
 * NOTIFY_SOCKET, STATUS cut at a newline, the watchdog interval from
 * WATCHDOG_USEC / WATCHDOG_PID, and an error for a socket nobody listens on. */
#include "base/log.h"
#include "device/sdnotify.h"

#include "../unit/check.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[64], path[96];
static int sock = -1;

static int recv_msg(char *buf, size_t len)
{
    struct pollfd p = {sock, POLLIN, 0};
    if (poll(&p, 1, 2000) != 1)
        return -1;
    ssize_t n = recv(sock, buf, len - 1, 0);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return (int)n;
}

TEST(noop_without_socket)
{
    unsetenv("NOTIFY_SOCKET");
    CHECK_INT_EQ(crier_sdnotify_ready("x"), CRIER_OK);
    CHECK_INT_EQ(crier_sdnotify_watchdog(), CRIER_OK);
    CHECK_INT_EQ(crier_sdnotify_stopping(), CRIER_OK);
    unsetenv("WATCHDOG_USEC");
    CHECK_INT_EQ(crier_sdnotify_watchdog_interval_ms(), 0);
}

TEST(messages_arrive)
{
    char buf[512];
    setenv("NOTIFY_SOCKET", path, 1);
    CHECK_INT_EQ(crier_sdnotify_ready("showing 12 items"), CRIER_OK);
    CHECK(recv_msg(buf, sizeof buf) > 0);
    CHECK_STR_EQ(buf, "READY=1\nSTATUS=showing 12 items");
    CHECK_INT_EQ(crier_sdnotify_watchdog(), CRIER_OK);
    CHECK(recv_msg(buf, sizeof buf) > 0);
    CHECK_STR_EQ(buf, "WATCHDOG=1");
    CHECK_INT_EQ(crier_sdnotify_status("alert active\nWATCHDOG=1"), CRIER_OK);
    CHECK(recv_msg(buf, sizeof buf) > 0);
    CHECK_STR_EQ(buf, "STATUS=alert active");
    char longs[400];
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    CHECK_INT_EQ(crier_sdnotify_status(longs), CRIER_OK);
    CHECK_INT_EQ(recv_msg(buf, sizeof buf), 7 + 200);
    CHECK_INT_EQ(crier_sdnotify_stopping(), CRIER_OK);
    CHECK(recv_msg(buf, sizeof buf) > 0);
    CHECK_STR_EQ(buf, "STOPPING=1");
    CHECK_INT_EQ(crier_sdnotify_status(NULL), CRIER_ERR_INVAL);
}

TEST(watchdog_interval)
{
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    setenv("WATCHDOG_USEC", "30000000", 1);
    setenv("WATCHDOG_PID", pid, 1);
    CHECK_INT_EQ(crier_sdnotify_watchdog_interval_ms(), 15000);
    setenv("WATCHDOG_PID", "1", 1); /* meant for another process */
    CHECK_INT_EQ(crier_sdnotify_watchdog_interval_ms(), 0);
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
}

TEST(dead_socket_is_an_error)
{
    char dead[160];
    snprintf(dead, sizeof dead, "%s/nobody", dir);
    setenv("NOTIFY_SOCKET", dead, 1);
    CHECK_INT_EQ(crier_sdnotify_watchdog(), CRIER_ERR_IO);
    CHECK_INT_EQ(crier_sdnotify_watchdog(), CRIER_ERR_IO); /* logged once, still an error */
    unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
    struct sockaddr_un sa;
    crier_log_set_level(CRIER_LOG_OFF);
    snprintf(dir, sizeof dir, "/tmp/crier-sdnotify-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    snprintf(path, sizeof path, "%s/notify", dir);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof sa) != 0)
        return 2;
    RUN(noop_without_socket);
    RUN(messages_arrive);
    RUN(watchdog_interval);
    RUN(dead_socket_is_an_error);
    close(sock);
    unlink(path);
    rmdir(dir);
    return check_summary();
}
