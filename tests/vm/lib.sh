# lib.sh: shell helpers of the VM scripts that compare IPVS tables (sourced; they set
# max_wait first).

# table: the IPVS table without its three header lines.
table() { ipvsadm -Ln | tail -n +4; }

# until_ WHAT CONDITION: waits up to max_wait s for the shell condition; says so if not.
until_() {
    local what=$1 start=$SECONDS; shift
    while [ $((SECONDS - start)) -lt "$max_wait" ]; do
        eval "$*" && return 0
        sleep 0.2
    done
    echo "timed out waiting for $what"
}
