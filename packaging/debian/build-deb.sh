#!/bin/bash
# build-deb.sh JAR VERSION OUTDIR: builds OUTDIR/videolb_DEBVERSION_all.deb with
# dpkg-deb (no debhelper, no jdeb: see docs/decisions.md, "Debian package"),
# then prints `dpkg-deb --info` and `--contents` of it (the build log shows what
# ships). Run by videolb-app's Maven build (package phase, after the shaded jar);
# skipped there when dpkg-deb is missing (-Dvideolb.deb.skip=true skips it too).
# VERSION is the Maven version: 0.1.0-SNAPSHOT becomes 0.1.0~SNAPSHOT (sorts
# before 0.1.0, as a snapshot should).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: build-deb.sh JAR VERSION OUTDIR" >&2; exit 2; }
JAR=$1 MVNVER=$2 OUT=$3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
[ -f "$JAR" ] || { echo "build-deb.sh: $JAR: no such jar" >&2; exit 1; }
[[ $MVNVER =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || { echo "build-deb.sh: version '$MVNVER': must start with a digit, then A-Z a-z 0-9 . + ~ -" >&2; exit 1; }
VERSION=${MVNVER//-/\~}
DEB=$OUT/videolb_${VERSION}_all.deb
S=$OUT/deb-staging
rm -rf "$S"
umask 022
mkdir -p "$S/DEBIAN" "$S/usr/bin" "$S/usr/share/videolb" "$S/usr/lib/videolb" "$S/lib/systemd/system" \
    "$S/etc/videolb" "$S/usr/share/doc/videolb" "$S/usr/lib/modules-load.d" "$S/usr/share/lintian/overrides"

install -m 0644 "$JAR" "$S/usr/share/videolb/videolb.jar"
install -m 0755 "$HERE/videolb.sh" "$S/usr/bin/videolb"
install -m 0755 "$HERE/videolb-restore" "$S/usr/lib/videolb/videolb-restore"
for u in "$HERE"/units/*.service; do install -m 0644 "$u" "$S/lib/systemd/system/"; done
# ip_vs at boot: the agent has no CAP_SYS_MODULE (its unit also loads it before the start)
printf '# videolb: IPVS for the ipvs-agent (videolb-agent.service has no CAP_SYS_MODULE)\nip_vs\n' \
    >"$S/usr/lib/modules-load.d/videolb.conf"
chmod 0644 "$S/usr/lib/modules-load.d/videolb.conf"
install -m 0644 "$HERE/etc/videolb.properties" "$S/etc/videolb/videolb.properties"
# secrets: 0600 here; the owner (videolb) is set by postinst with dpkg-statoverride
install -m 0600 "$HERE/etc/api-tokens" "$S/etc/videolb/api-tokens"
install -m 0600 "$HERE/etc/smtp-password" "$S/etc/videolb/smtp-password"
install -m 0644 "$HERE/copyright" "$S/usr/share/doc/videolb/copyright"
for d in deployment settings cli ipvs-agent; do
    gzip -9n <"$ROOT/docs/$d.md" >"$S/usr/share/doc/videolb/$d.md.gz"
done
# a native package's changelog: one entry per build
{
    echo "videolb ($VERSION) unstable; urgency=medium"
    echo
    echo "  * Built from the videolb sources; see /usr/share/doc/videolb/ and the"
    echo "    project's CHANGELOG.md."
    echo
    echo " -- videolb maintainers <videolb@example.org>  $(LC_ALL=C date -R -d "@${SOURCE_DATE_EPOCH:-$(stat -c %Y "$JAR")}")"
} | gzip -9n >"$S/usr/share/doc/videolb/changelog.gz"
mkdir -p "$S/usr/share/man/man1"
gzip -9n <"$HERE/videolb.1" >"$S/usr/share/man/man1/videolb.1.gz"
chmod 0644 "$S/usr/share/man/man1/videolb.1.gz"
install -m 0644 "$HERE/lintian-overrides" "$S/usr/share/lintian/overrides/videolb"
find "$S/usr/share/doc" -type f -exec chmod 0644 {} +

SIZE=$(du -sk --exclude=DEBIAN "$S" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@INSTALLED_SIZE@/$SIZE/" "$HERE/control.in" >"$S/DEBIAN/control"
install -m 0644 "$HERE/conffiles" "$S/DEBIAN/conffiles"
for m in postinst prerm postrm; do install -m 0755 "$HERE/$m" "$S/DEBIAN/$m"; done
(cd "$S" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) >"$S/DEBIAN/md5sums"
chmod 0644 "$S/DEBIAN/md5sums"

rm -f "$OUT"/videolb_*_all.deb
# the jar is already compressed: gzip -6 costs ~1 s, xz ~20 s for the same size
dpkg-deb --root-owner-group -Zgzip --build "$S" "$DEB" >/dev/null
echo "== dpkg-deb --info $DEB"
dpkg-deb --info "$DEB"
echo "== dpkg-deb --contents $DEB"
dpkg-deb --contents "$DEB"
