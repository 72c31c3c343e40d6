# Where QEMU (7.2, TCG) departs from the Intel SDM in the guest's output;
# applied to QEMU's console only, before the comparison. Each rule: why.
#
# SDM Vol. 3A 6.13 (error code): with IDT=1, bits 15:3 hold the gate's index,
# the vector: INT 0x81 through a DPL 0 gate gives #GP((0x81 << 3) | 2) = 0x40a.
# QEMU's 64-bit delivery scales the vector by the 16-byte gate size (0x812).
# (tests/ref/qemu-divergences.txt records the same for the test kernels.)
s/(#GP general protection \(vector 13\) error )0x812 /\10x40a /
