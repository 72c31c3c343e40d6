/* Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h).
 * The kernel returns -E...; the user wrappers turn [-4095, -1] into errno. */
#ifndef GUEST_ERRNO_H
#define GUEST_ERRNO_H

#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define EINVAL  22
#define ENOSPC  28
#define ESPIPE  29
#define ERANGE  34
#define ENOSYS  38

/* The largest errno a syscall may return: results in [-MAX_ERRNO, -1] are errors. */
#define MAX_ERRNO 4095

#endif
