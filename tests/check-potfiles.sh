#!/usr/bin/env bash
# Every source or data file with strings marked for translation must be in
# po/POTFILES.in (or its strings never reach the translators), and every
# file listed there must exist. Usage: check-potfiles.sh SOURCE_ROOT
set -euo pipefail

top=$1
cd "$top"

listed=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' po/POTFILES.in | sort -u)
status=0

for f in $listed; do
  if [ ! -f "$f" ]; then
    echo "po/POTFILES.in lists $f, which does not exist"
    status=1
  fi
done

marked=$( {
  grep -lE '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|ngettext|g_dngettext)[[:space:]]*\(' src/*.c src/*/*.c 2>/dev/null || true
  grep -l 'translatable="yes"' src/*/*.ui 2>/dev/null || true
  ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml 2>/dev/null || true
} | sort -u)

for f in $marked; do
  if ! grep -qxF "$f" <<<"$listed"; then
    echo "$f has translatable strings but is missing from po/POTFILES.in"
    status=1
  fi
done

[ $status -eq 0 ] && echo "po/POTFILES.in lists all $(wc -w <<<"$marked") files with translatable strings"
exit $status
