/* The few C library functions the kernel uses (gcc may also emit calls to
 * memset/memcpy for struct assignment). */
#include "guest/kernel/kernel.h"

void *memset(void *d, int c, unsigned long n)
{
    u8 *p = d;
    while (n--)
        *p++ = (u8)c;
    return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
    u8 *dp = d;
    const u8 *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

int memcmp(const void *a, const void *b, unsigned long n)
{
    const u8 *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

unsigned long strlen(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

int strncmp(const char *a, const char *b, unsigned long n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (u8)*a - (u8)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

/* The first occurrence of `word` in `hay` as a whole space-separated word. */
char *strstr_word(const char *hay, const char *word)
{
    unsigned long n = strlen(word);
    for (const char *p = hay; *p; p++) {
        if ((p == hay || p[-1] == ' ') && !strncmp(p, word, n) && (p[n] == ' ' || p[n] == 0))
            return (char *)p;
    }
    return NULL;
}
