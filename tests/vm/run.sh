#!/bin/sh
# run.sh 'COMMAND': runs COMMAND (bash) as root in a QEMU VM (no KVM needed, boots in ~10 s)
# whose kernel has IPVS, seeing this machine's whole filesystem read-only (writable /tmp and
# /run in memory). COMMAND's output comes back on stdout; the exit status is 2 when the VM
# cannot be started, else COMMAND's.
# Needs: apt-get install qemu-system-x86 linux-image-amd64 busybox-static cpio.
d=$(cd "$(dirname "$0")" && pwd)
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64 (apt-get install qemu-system-x86)"; exit 2; }
K=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$K" ] || { echo "no Debian kernel in /boot (apt-get install linux-image-amd64)"; exit 2; }
img=${TMPDIR:-/tmp}/keepalived-rs-vm-$(basename "$K")-$(cksum <"$d/build-initrd.sh" | cut -d' ' -f1).gz
# Several VMs may start at once (the VM tests run in parallel): each builds into its own file.
if [ ! -s "$img" ]; then sh "$d/build-initrd.sh" "$img.new.$$" && mv -f "$img.new.$$" "$img"; fi
[ -s "$img" ] || { echo "could not build the initramfs"; exit 2; }
# The script must be where the VM sees it: not /tmp (a tmpfs inside).
mkdir -p /var/tmp/keepalived-rs-vm; script=$(mktemp /var/tmp/keepalived-rs-vm/cmd.XXXXXX)
printf '%s\n' "$1" >"$script"
out=$(mktemp)
timeout "${VM_TIMEOUT:-600}" qemu-system-x86_64 -machine q35 -cpu max -smp 2 -m 2048 -nographic -nic none \
  -no-reboot -kernel "$K" -initrd "$img" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap \
  -append "console=ttyS0 quiet panic=-1 vmscript=$script" 2>&1 | tr -d '\r' >"$out"
rm -f "$script"
sed -n '/=== VM START/,/=== VM END/p' "$out" | sed '1d;$d'
rc=$(sed -n 's/^=== VM END rc=\([0-9]*\).*/\1/p' "$out" | tail -1)
[ -n "$rc" ] || { echo "the VM did not finish:"; tail -20 "$out"; rm -f "$out"; exit 2; }
rm -f "$out"
exit "$rc"
