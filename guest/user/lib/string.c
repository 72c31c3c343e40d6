/* Strings, memory, and errno names. Plain loops: gcc may call memcpy and
 * memset itself, so these must not be compiled into calls to themselves
 * (the build passes -fno-tree-loop-distribute-patterns). */
#include "guest/user/lib/rt.h"

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

long rt_atol(const char *s)
{
    long v = 0;
    int neg = 0;
    if (*s == '-')
        neg = 1, s++;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (s += 2; *s; s++) {
            int d = *s >= '0' && *s <= '9' ? *s - '0'
                  : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
                  : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;
            if (d < 0)
                return 0;
            v = v * 16 + d;
        }
    } else {
        for (; *s; s++) {
            if (*s < '0' || *s > '9')
                return 0;
            v = v * 10 + (*s - '0');
        }
    }
    return neg ? -v : v;
}

/* Names for the values in guest/include/errno.h. */
static const char *const errno_names[] = {
    [EPERM] = "EPERM",   [ENOENT] = "ENOENT", [ESRCH] = "ESRCH",   [EINTR] = "EINTR",
    [EIO] = "EIO",       [E2BIG] = "E2BIG",   [ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF",
    [ECHILD] = "ECHILD", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES",
    [EFAULT] = "EFAULT", [EBUSY] = "EBUSY",   [EEXIST] = "EEXIST", [EINVAL] = "EINVAL",
    [ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE", [ERANGE] = "ERANGE", [ENOSYS] = "ENOSYS",
};

const char *rt_errno_name(int e)
{
    if (e <= 0 || (size_t)e >= sizeof errno_names / sizeof errno_names[0])
        return 0;
    return errno_names[e];
}
