#!/usr/bin/env bash
# Every translation is complete: the strings in the sources today (a POT
# made fresh from po/POTFILES.in, as meson's i18n module makes it) are
# all translated in each language of po/LINGUAS, none fuzzy, and msgfmt
# accepts each catalogue (format strings match). A string added without
# its translations fails here, named, instead of silently showing English
# in a German or French desktop.
# Usage: check-translations.sh SOURCE_ROOT
set -euo pipefail

top=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The keywords and flags of meson's `preset: 'glib'`.
xgettext --package-name=corral --directory="$top" --files-from="$top/po/POTFILES.in" \
  --output="$tmp/corral.pot" --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
  --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format

total=$(msgattrib --no-obsolete "$tmp/corral.pot" | grep -c '^msgid ' || true)
total=$((total - 1))   # the header
if [ "$total" -lt 1 ]; then
  echo "xgettext found no strings in the files po/POTFILES.in lists: the check would test nothing"
  exit 1
fi

status=0
for lang in $(sed -e 's/#.*//' "$top/po/LINGUAS"); do
  po="$top/po/$lang.po"
  if [ ! -f "$po" ]; then
    echo "po/LINGUAS lists $lang, but po/$lang.po does not exist"
    status=1
    continue
  fi
  # What the catalogue would be against today's sources; no guessing
  # (fuzzy matching would hide a new string behind an old translation).
  msgmerge --quiet --no-fuzzy-matching --output-file="$tmp/$lang.po" "$po" "$tmp/corral.pot"
  missing=$(msgattrib --untranslated --no-obsolete --no-wrap "$tmp/$lang.po" | sed -n 's/^msgid "\(..*\)"$/\1/p')
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete --no-wrap "$tmp/$lang.po" | sed -n 's/^msgid "\(..*\)"$/\1/p')
  if [ -n "$missing" ]; then
    echo "po/$lang.po has no translation for $(grep -c . <<<"$missing") of $total strings:"
    sed 's/^/  /' <<<"$missing"
    status=1
  fi
  if [ -n "$fuzzy" ]; then
    echo "po/$lang.po has fuzzy (unchecked) translations:"
    sed 's/^/  /' <<<"$fuzzy"
    status=1
  fi
  if ! msgfmt --check --output-file=/dev/null "$po" 2>"$tmp/msgfmt.log"; then
    echo "msgfmt rejects po/$lang.po:"
    sed 's/^/  /' "$tmp/msgfmt.log"
    status=1
  fi
  [ -z "$missing" ] && [ -z "$fuzzy" ] && echo "po/$lang.po: all $total strings translated"
done
exit $status
