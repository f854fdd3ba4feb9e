#!/bin/sh
# build-initrd.sh OUT: an initramfs for Debian's kernel (linux-image-amd64) that loads the IPVS
# modules (every scheduler keepalived offers), netlink_diag (ss -m), veth, bridge, dummy, ipip,
# macvlan, vrf, ipvlan, nf_tables (nftables_ipvs) and 9p, mounts this machine's root read-only over 9p, and runs the script
# named by vmscript= on the kernel command line inside it (chroot, bash), then powers off.
# Needs: apt-get install linux-image-amd64 busybox-static cpio kmod.
set -e
out=$1; V=$(ls /lib/modules | grep -- '-amd64$' | sort -V | tail -1)
[ -n "$V" ] || { echo "no Debian kernel modules in /lib/modules"; exit 2; }
w=$(mktemp -d); mkdir -p "$w"/bin "$w"/proc "$w"/sys "$w"/dev "$w"/host "$w"/mods
cp /bin/busybox "$w"/bin/busybox
for a in sh mount insmod poweroff cat sed chroot; do ln -s busybox "$w"/bin/$a; done
i=0
for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh \
         ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh veth bridge dummy ipip macvlan vrf ipvlan nf_tables \
         netlink_diag 9p 9pnet_virtio virtio_pci virtio_net; do
  modprobe -S "$V" --show-depends $m | awk '$1=="insmod"{print $2}'
done | awk '!s[$0]++' | while read -r f; do i=$((i+1)); cp "$f" "$w/mods/$(printf %03d $i)-$(basename "$f")"; done
cat >"$w"/init <<'EOI'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in /mods/*.ko; do insmod $m 2>/dev/null; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /host || echo "9p mount failed"
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp; mount -t tmpfs run /host/run
script=$(sed -n 's/.*vmscript=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "=== VM START"
chroot /host /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  /bin/bash -c "cd /tmp && exec /bin/bash $script"
echo "=== VM END rc=$?"
poweroff -f
EOI
chmod +x "$w"/init
(cd "$w" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
rm -rf "$w"
