#!/bin/sh
# Installs the Debian libraries that PySide6 needs (offscreen tests, the app, screenshots),
# binutils (PyInstaller's objdump/strip for `make bundle`) and util-linux (setpriv, unshare: the storage
# tests drop root's permission override and mount a small tmpfs), but only those missing, so a machine
# that has them is never touched. poppler-utils (pdftotext, pdffonts, pdfsig) reads the PDF report back in its
# tests. softhsm2 (a software PKCS#11 token) and opensc (pkcs11-tool, which writes keys and certificates into it)
# let the token-signing tests run against a real PKCS#11 module instead of a mock. postgresql: the collector
# tests start a throwaway cluster (initdb + pg_ctl, tests/local_db/pg_cluster.py) to run against a real server.
set -e
command -v dpkg-query >/dev/null 2>&1 || exit 0
want="libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 \
libxcb-image0 libxcb-xinerama0 fonts-dejavu-core binutils util-linux poppler-utils softhsm2 opensc \
postgresql"
# `make screenshots` also renders the exported workbooks with LibreOffice (not needed by the tests)
[ "${1:-}" = "screenshots" ] && want="$want libreoffice-calc-nogui"
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "Installing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
