#!/usr/bin/env python3
# The source layout rules a compiler does not check (DESIGN.md, "Layout"):
#  - src/ has one folder per floor, lowest first: engine, display, app.
#    A file includes headers of its own floor or lower floors only: no
#    engine file includes a display or app header, no display file an app
#    header (meson links them the same way; this catches the text);
#  - no engine file reaches a GTK, libadwaita, VTE, gtk-vnc or libsecret
#    header, directly or through our headers; no display file reaches
#    VTE or libsecret (the app's libraries);
#  - no include loops, and no .c file includes another;
#  - a private header (corral-foo-private.h) is included only by the files
#    of that object (corral-foo.c, corral-foo-*.c), so a split object's
#    insides stay its own;
#  - each floor's meson.build lists every .c file of its folder, so no
#    source escapes its floor's library.
# Usage: check-includes.py SOURCE_ROOT
import os
import re
import sys

FLOORS = ['engine', 'display', 'app']
# System headers a floor may not reach (patterns on the <...> name).
FORBIDDEN = {
    'engine': re.compile(r'^(gtk/|gdk/|adwaita\.h|vte/|gvnc\.h|gtk-vnc|libsecret/)'),
    'display': re.compile(r'^(vte/|libsecret/)'),
    'app': None,
}

top = sys.argv[1]
src = os.path.join(top, 'src')
local_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
system_re = re.compile(r'^\s*#\s*include\s+<([^>]+)>', re.M)

problems = []

# Every source file, by name, with its floor ('main' for src/main.c).
floor_of = {}
for floor in FLOORS:
    folder = os.path.join(src, floor)
    if not os.path.isdir(folder):
        problems.append(f'src/{floor}/ is missing')
        continue
    for f in sorted(os.listdir(folder)):
        if f.endswith(('.c', '.h')):
            if f in floor_of:
                problems.append(f'{f} is in src/{floor}/ and src/{floor_of[f]}/')
            floor_of[f] = floor
for f in sorted(os.listdir(src)):
    if f.endswith(('.c', '.h')):
        floor_of[f] = 'main'
if 'corral-vm.c' not in floor_of or floor_of['corral-vm.c'] != 'engine':
    problems.append('src/engine/corral-vm.c not found: the checks would test nothing')


def path_of(f):
    floor = floor_of[f]
    return os.path.join(src, f) if floor == 'main' else os.path.join(src, floor, f)


local, system = {}, {}
for f in floor_of:
    with open(path_of(f), encoding='utf-8') as fh:
        text = fh.read()
    includes = local_re.findall(text)
    # Generated headers (config.h, the floors' resources) are not ours to check.
    local[f] = [i for i in includes if i in floor_of]
    system[f] = system_re.findall(text)


def rank(floor):
    return len(FLOORS) if floor == 'main' else FLOORS.index(floor)


for f, incs in local.items():
    for i in incs:
        if i.endswith('.c'):
            problems.append(f'{f} includes the source file {i}')
        if rank(floor_of[i]) > rank(floor_of[f]):
            problems.append(f'{floor_of[f]}/{f} includes {floor_of[i]}/{i}, a higher floor')

# Include loops: a depth-first search over header edges.
WHITE, GREY, BLACK = 0, 1, 2
colour = {f: WHITE for f in floor_of}


def visit(f, path):
    colour[f] = GREY
    for i in local[f]:
        if colour[i] == GREY:
            loop = path[path.index(i):] + [i] if i in path else [f, i]
            problems.append('include loop: ' + ' -> '.join(loop))
        elif colour[i] == WHITE:
            visit(i, path + [i])
    colour[f] = BLACK


for f in sorted(floor_of):
    if colour[f] == WHITE:
        visit(f, [f])

for f, incs in local.items():
    for i in incs:
        m = re.match(r'^(.*)-private\.h$', i)
        if not m:
            continue
        owner = m.group(1)
        if not (f.startswith(owner + '.') or f.startswith(owner + '-')):
            problems.append(f'{f} includes {i}, private to {owner}.c and its siblings')


def reach(f, seen):
    if f in seen:
        return
    seen.add(f)
    for i in local[f]:
        reach(i, seen)


for f, floor in sorted(floor_of.items()):
    forbidden = FORBIDDEN.get(floor)
    if forbidden is None:
        continue
    seen = set()
    reach(f, seen)
    for s in sorted(seen):
        for h in system[s]:
            if forbidden.match(h):
                via = '' if s == f else f' (through {s})'
                problems.append(f'{floor} file {f} includes <{h}>{via}')

for floor in FLOORS:
    build = os.path.join(src, floor, 'meson.build')
    if not os.path.exists(build):
        problems.append(f'src/{floor}/meson.build is missing')
        continue
    with open(build, encoding='utf-8') as fh:
        listed = set(re.findall(r"'([^'/]+\.c)'", fh.read()))
    for f, fl in floor_of.items():
        if fl == floor and f.endswith('.c') and f not in listed:
            problems.append(f'src/{floor}/{f} is not built by src/{floor}/meson.build')

for p in problems:
    print(p)
if problems:
    sys.exit(1)
counts = ', '.join(f'{sum(1 for v in floor_of.values() if v == fl)} {fl}'
                   for fl in FLOORS)
print(f'{len(floor_of)} files in src/ ({counts}): each includes only its own or lower '
      'floors, no include loop, private headers kept private, no UI header below the app')
