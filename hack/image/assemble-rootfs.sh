#!/usr/bin/env bash
# Assembles the root filesystem of the Stagegate image, distroless-style: the files of a few Debian bookworm
# packages (hack/image/packages.txt; no dpkg, apt or shell), the project's own Node.js binary, the compiled
# operator with its production dependencies, and a non-root user. The Dockerfile runs it in a Debian stage and
# `make image` (hack/build-image.ts) runs it here, so both images have the same files. Needs root (ownership,
# chroot for the checks) and a Debian bookworm apt (apt-get download, dpkg-deb).
#
#   assemble-rootfs.sh ROOT APP NODE
#     ROOT  the directory to fill (created; must not exist or be empty)
#     APP   a directory with package.json, dist/ (tsc output) and node_modules/ (production only), templates/
#           (the default report templates) and config/rbac/ (the operator's shipped roles): becomes /app
#     NODE  the node binary (the npm package `node`, pinned in package-lock.json): becomes /usr/local/bin/node
#   DEB_CACHE          keeps downloaded .deb files between runs (default: a temporary directory)
#   NODE_LICENSE       Node.js's LICENSE file (from the same npm package), shipped beside the binary
#   SOURCE_DATE_EPOCH  when set, every file's mtime (for reproducible layers)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log() { echo "assemble-rootfs: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[[ $# -eq 3 ]] || die "usage: assemble-rootfs.sh ROOT APP NODE"
root=$1
app=$2
node=$3
[[ $(id -u) -eq 0 ]] || die "needs root (file ownership and chroot); run it as root, or in a container build"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "needs Debian's apt-get and dpkg-deb"
[[ -f $app/package.json && -d $app/dist && -d $app/node_modules ]] || die "$app needs package.json, dist/ and node_modules/"
[[ -x $node ]] || die "$node is not an executable node binary"
if [[ -e $root ]] && [[ -n $(ls -A "$root") ]]; then die "$root is not empty"; fi
mkdir -p "$root"
root=$(cd "$root" && pwd)

# The image's user: the uid and gid distroless calls nonroot (the chart's runAsUser/runAsGroup).
readonly USER_ID=65532

# --- Debian packages ------------------------------------------------------------------------------------------
mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/packages.txt" | grep -v '^$')
debs=${DEB_CACHE:-$(mktemp -d)}
mkdir -p "$debs"

# `apt-get download --print-uris` names each candidate's file and SHA256 without downloading, so a cached .deb
# is reused only when it is exactly the candidate apt would fetch now (a security update replaces it).
# Root downloads into a directory apt's sandbox user may not read; that is expected here.
apt_download=(apt-get download -qq -o APT::Sandbox::User=root)
uris() { "${apt_download[@]}" --print-uris "${packages[@]}" 2>&1; }
if ! listing=$(uris); then
  log "apt cannot find the packages (package lists missing?); running apt-get update"
  apt-get update -qq >&2
  listing=$(uris) || die "apt-get download --print-uris failed: $listing"
fi
files=()
while read -r _uri file _size hash; do
  [[ $hash == SHA256:* ]] || continue
  files+=("$file")
  if [[ -f $debs/$file ]] && echo "${hash#SHA256:}  $debs/$file" | sha256sum --check --status; then continue; fi
  log "downloading $file"
  (cd "$debs" && "${apt_download[@]}" "${file%%_*}" >&2)
  echo "${hash#SHA256:}  $debs/$file" | sha256sum --check --status || die "$file does not match its SHA256"
done <<<"$listing"
[[ ${#files[@]} -eq ${#packages[@]} ]] || die "apt named ${#files[@]} files for ${#packages[@]} packages: $listing"

# Each package's control stanza goes to /var/lib/dpkg/status.d/<package>, as distroless does, so that image
# scanners (Trivy, Grype, Syft) see which Debian packages and versions the image carries.
mkdir -p "$root/var/lib/dpkg/status.d"
for file in "${files[@]}"; do
  dpkg-deb --extract "$debs/$file" "$root"
  package=$(dpkg-deb --field "$debs/$file" Package)
  dpkg-deb --field "$debs/$file" >"$root/var/lib/dpkg/status.d/$package"
done

# What nothing in the image runs or reads: documentation (the copyright files stay), completion scripts, base-files'
# shell profiles and empty directories, update-ca-certificates (the bundle is made below), glibc's iconv modules
# (Node.js converts with its own ICU; git re-encodes only commits that declare a legacy encoding, and keeps their
# bytes without them), git's servers, daemons, Perl and web front ends (the operator runs git as a client only).
find "$root/usr/share/doc" -mindepth 2 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root"/usr/share/{man,info,locale,lintian,bug,bash-completion,perl5,gitweb,base-files,menu,dict,misc,gdb,gcc} \
  "$root"/usr/share/git-core/contrib "$root"/usr/sbin/update-ca-certificates "$root"/etc/ca-certificates \
  "$root"/etc/{bash_completion.d,profile,profile.d,bash.bashrc,skel,dpkg,issue,issue.net,motd,update-motd.d,legal} \
  "$root"/etc/{host.conf,gai.conf,default,init.d,logrotate.d} "$root"/usr/lib/*-linux-gnu/gconv \
  "$root"/usr/bin/{git-shell,scalar} "$root"/usr/lib/git-core/{git-shell,scalar,git-daemon,git-http-backend} \
  "$root"/usr/lib/git-core/{git-http-fetch,git-http-push,git-imap-send,git-sh-i18n--envsubst,git-instaweb} \
  "$root"/usr/lib/git-core/{git-web--browse,git-difftool--helper,git-mergetool,git-mergetool--lib} \
  "$root"/var/{log,cache,backups,spool,mail,opt,local,tmp,lock,run,lib/git,lib/misc} "$root"/usr/{games,include,src} \
  "$root"/{srv,opt,home,root,run,boot,proc,sys,mnt,media}
# Debian ships git's main binary twice; one file, hard-linked, is one copy in the layer.
ln -f "$root/usr/bin/git" "$root/usr/lib/git-core/git"

# The bundle that update-ca-certificates would write: every Mozilla root, in name order.
mkdir -p "$root/etc/ssl/certs"
find "$root/usr/share/ca-certificates" -name '*.crt' -print0 | LC_ALL=C sort -z | xargs -0 cat \
  >"$root/etc/ssl/certs/ca-certificates.crt"
rm -rf "$root/usr/share/ca-certificates"

# --- Users and directories ------------------------------------------------------------------------------------
cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:$USER_ID:$USER_ID:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$root/etc/group" <<EOF
root:x:0:
nobody:x:65534:
nonroot:x:$USER_ID:
EOF
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
install -d -m 0700 "$root/root"
install -d -m 1777 "$root/tmp"
# Writable by the user only: its home, and the audit trail's default directory (the chart mounts a volume there).
install -d -m 0700 -o "$USER_ID" -g "$USER_ID" "$root/home/nonroot" "$root/var/lib/stagegate"

# --- Node.js and the operator ----------------------------------------------------------------------------------
install -D -m 0755 "$node" "$root/usr/local/bin/node"
if [[ -n ${NODE_LICENSE:-} ]]; then install -D -m 0644 "$NODE_LICENSE" "$root/usr/local/share/doc/node/LICENSE"; fi

mkdir -p "$root/app"
cp -a "$app/package.json" "$app/dist" "$app/node_modules" "$root/app/"
# The default report templates (stagegate audit report), when the app has them.
if [[ -d $app/templates ]]; then cp -a "$app/templates" "$root/app/"; fi
# The operator's shipped roles (stagegate check compares the live ones with them), when the app has them.
if [[ -d $app/config ]]; then cp -a "$app/config" "$root/app/"; fi
# Type declarations and source maps are never loaded at run time: they are half of node_modules' bytes.
find "$root/app" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete
# `stagegate` on PATH, run by the kernel through the shebang: no shell, no /usr/bin/env in the image.
sed -i '1s|^#!.*|#!/usr/local/bin/node|' "$root/app/dist/cmd/stagegate.js"
head -1 "$root/app/dist/cmd/stagegate.js" | grep -qx '#!/usr/local/bin/node' || die "dist/cmd/stagegate.js has no shebang"
chown -R 0:0 "$root/app"
chmod -R u=rwX,go=rX "$root/app"
chmod 0755 "$root/app/dist/cmd/stagegate.js"
ln -s ../../../app/dist/cmd/stagegate.js "$root/usr/local/bin/stagegate"

# --- Checks ----------------------------------------------------------------------------------------------------
# Every ELF file must find each library it needs inside the image: the image's own loader lists them (chroot, so
# nothing of the build machine can stand in). The operator's packages ship no native addons; any would be checked.
loader=$(cd "$root" && find lib64 lib -maxdepth 1 -name 'ld-linux*.so.*' 2>/dev/null | head -1)
[[ -n $loader ]] || die "libc6 brought no dynamic loader"
is_elf() {
  local magic
  LC_ALL=C read -r -n 4 magic <"$1" 2>/dev/null || true
  [[ $magic == $'\x7fELF' ]]
}
missing=0
checked=0
while IFS= read -r -d '' file; do
  is_elf "$file" || continue
  checked=$((checked + 1))
  rel=/${file#"$root"/}
  # Static binaries and plugins are not programs the loader lists; only a library named and not found is an error.
  out=$(chroot "$root" "/$loader" --list "$rel" 2>&1) || true
  if [[ $out == *"not found"* || $out == *"error while loading shared libraries"* ]]; then
    log "$rel: $(grep -E 'not found|error while loading' <<<"$out" | tr -s ' \t\n' ' ')"
    missing=1
  fi
done < <(find "$root" -path "$root/app" -prune -o -type f -print0 && find "$root/app" -type f -name '*.node' -print0)
[[ $missing -eq 0 ]] || die "some files need libraries the image does not ship: add their packages to packages.txt"

# A container runtime provides /dev; the smoke test below needs /dev/null (git opens it first thing).
mkdir -p "$root/dev"
mknod -m 0666 "$root/dev/null" c 1 3
trap 'rm -f "$root/dev/null"' EXIT
as_user=(chroot --userspec="$USER_ID:$USER_ID" "$root")
log "checked $checked ELF files; $("${as_user[@]}" /usr/local/bin/node --version | sed 's/^/node /'), $("${as_user[@]}" /usr/bin/git --version)"
"${as_user[@]}" /usr/local/bin/stagegate version >&2
rm -f "$root/dev/null"

if [[ -n ${SOURCE_DATE_EPOCH:-} ]]; then
  find "$root" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
fi
log "assembled $root ($(du -sh --apparent-size "$root" | cut -f1))"
