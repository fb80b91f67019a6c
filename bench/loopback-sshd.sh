# Sourced by the ssh benchmarks: starts Debian's sshd on 127.0.0.1 (a random port) with throwaway
# keys, and leaves "ssh -F $keys/ssh_config benchhost" ready to use (BatchMode, known host key).
# Sets: keys (the directory of keys and configs), bench_ssh (a program that runs ssh with that config:
# sqlite3_rsync's --ssh takes a program, not a command line), and bench_host_entry (the config's entry
# for another alias, to which a script may add options). Stops sshd on exit.
keys="$(mktemp -d)"
port=$(( 20000 + RANDOM % 20000 ))
ssh-keygen -q -t ed25519 -N '' -f "$keys/host"
ssh-keygen -q -t ed25519 -N '' -f "$keys/user"
cp "$keys/user.pub" "$keys/authorized_keys"
mkdir -p /run/sshd
cat > "$keys/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $keys/host
PidFile $keys/sshd.pid
AuthorizedKeysFile $keys/authorized_keys
PasswordAuthentication no
PermitRootLogin yes
StrictModes no
UsePAM no
MaxStartups 100
CONF
# bench_host_entry ALIAS: an ssh_config entry that reaches this sshd as ALIAS (its options may follow it).
bench_host_entry() {
  cat <<CONF

Host $1
  HostName 127.0.0.1
  Port $port
  User $(id -un)
  IdentityFile $keys/user
  HostKeyAlias benchhost
  UserKnownHostsFile $keys/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
CONF
}
bench_host_entry benchhost > "$keys/ssh_config"
echo "benchhost $(cat "$keys/host.pub")" > "$keys/known_hosts"
bench_ssh="$keys/ssh"
printf '#!/bin/sh\nexec ssh -F %s "$@"\n' "$keys/ssh_config" > "$bench_ssh" && chmod +x "$bench_ssh"
/usr/sbin/sshd -f "$keys/sshd_config"
trap 'kill "$(cat "$keys/sshd.pid")" 2>/dev/null; rm -rf "$keys"' EXIT
sleep 0.5
