/* Static files of the dashboard (--web DIR): "/" is index.html; other paths
 * outside /api/, /healthz and /metrics name files of the folder. "..", hidden
 * files and characters outside [A-Za-z0-9._/-] are refused (404). */
#include "hub.h"

#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[PATH_MAX + 64];

static int is_dir(const char *p) { struct stat st; return stat(p, &st) == 0 && S_ISDIR(st.st_mode); }

void hub_static_init(const char *dir)
{
    g_dir[0] = 0;
    if (dir) { snprintf(g_dir, sizeof g_dir, "%s", dir); return; }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = 0; /* folder of the executable */
    char cand[PATH_MAX + 32];
    snprintf(cand, sizeof cand, "%s/../../../web", exe);   /* build/host/bin -> source tree */
    if (is_dir(cand)) { snprintf(g_dir, sizeof g_dir, "%s", cand); return; }
    snprintf(cand, sizeof cand, "%s/../share/lepower/web", exe);
    if (is_dir(cand)) snprintf(g_dir, sizeof g_dir, "%s", cand);
}

const char *hub_static_dir(void) { return g_dir[0] ? g_dir : NULL; }

static const char *mime(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const char *const map[][2] = {
        { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" }, { ".svg", "image/svg+xml" }, { ".png", "image/png" },
        { ".json", "application/json" }, { ".txt", "text/plain; charset=utf-8" }, { ".ico", "image/x-icon" },
        { ".map", "application/json" }, { ".woff2", "font/woff2" }, { ".md", "text/plain; charset=utf-8" },
    };
    if (dot)
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) if (!strcmp(dot, map[i][0])) return map[i][1];
    return "application/octet-stream";
}

static int path_ok(const char *p)
{
    if (*p != '/' || strstr(p, "..") || strstr(p, "/.") || strstr(p, "//")) return 0;
    for (; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || c == '/')) return 0;
    }
    return 1;
}

/* 1 when a response was queued (*ret set), 0 when the path is not a file to serve */
int hub_static_serve(void *connection, const char *url, int *ret)
{
    struct MHD_Connection *con = connection;
    if (!g_dir[0] || !path_ok(url) || strlen(url) > 512) return 0;
    char path[sizeof g_dir + 1024];
    snprintf(path, sizeof path, "%s%s", g_dir, strcmp(url, "/") ? url : "/index.html");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); return 0; }
    struct MHD_Response *r = MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (!r) { close(fd); return 0; }
    MHD_add_response_header(r, "Content-Type", mime(path));
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    *ret = MHD_queue_response(con, 200, r);
    MHD_destroy_response(r);
    return 1;
}
