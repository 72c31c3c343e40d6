#include "cpu/decode.h"
enum decode_status decode(struct insn *in, const u8 *code, unsigned avail, unsigned code_size)
{
    (void)in; (void)code; (void)avail; (void)code_size;
    return DECODE_UD;
}
