# What may differ between two boots of the guest that are both right: time
# values, and what depends on the CPU model (QEMU's TCG offers no PCID, and
# CPUID 1.EDX, which AT_HWCAP carries, differs between the models).
s/time=[0-9]+(\.[0-9]+)?/time=T/g
s/PCIDs (on|off)/PCIDs -/
s/^(AT_HWCAP: +)0x[0-9a-f]+/\1-/
