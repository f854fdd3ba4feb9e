//! The tests that need the QEMU VM of tests/vm (a kernel with IPVS, vrf and ipvlan, and an
//! initial network namespace of its own), in one test binary so that their VMs boot and run
//! in parallel: each waits mostly on protocol timers and settling, and booting them one
//! after another would add minutes to the suite. Each skips, visibly, without QEMU, the
//! Debian kernel, busybox-static, cpio or the tools it names.

/// Every test here is named `in_vm::...`, so that tests/run-all.sh can hold them back
/// (`--skip in_vm::`) and run this binary alone, when nothing else loads the CPU: QEMU
/// without KVM uses both cores.
mod in_vm {
    mod bfd_check;
    mod ipvs;
    mod netns_ipvs;
    mod nftables_ipvs;
    mod track_process;
    mod vrf_ipvlan;
}

/// Ours, as cargo built it for the tests.
const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
