#!/usr/bin/env python3
# The source layout rules a compiler does not check (TEAM.md, DESIGN.md):
#  - no include loops among src/ files, and no .c file includes another;
#  - a private header (corral-foo-private.h) is included only by the files
#    of that object (corral-foo.c, corral-foo-*.c) and by tests, so a split
#    object's insides stay its own;
#  - no engine file (engine_sources in src/meson.build) reaches a GTK,
#    libadwaita, VTE or gtk-vnc header, directly or through our headers.
# Usage: check-includes.py SOURCE_ROOT
import os
import re
import sys

top = sys.argv[1]
src = os.path.join(top, 'src')
local_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
system_re = re.compile(r'^\s*#\s*include\s+<([^>]+)>', re.M)
ui_headers = re.compile(r'^(gtk/|adwaita\.h|vte/|gvnc\.h|gtk-vnc|libsecret/)')

files = sorted(f for f in os.listdir(src) if f.endswith(('.c', '.h')))
local, system = {}, {}
for f in files:
    with open(os.path.join(src, f), encoding='utf-8') as fh:
        text = fh.read()
    local[f] = [i for i in local_re.findall(text) if i in files]
    system[f] = system_re.findall(text)

problems = []

for f, incs in local.items():
    for i in incs:
        if i.endswith('.c'):
            problems.append(f'{f} includes the source file {i}')

# Include loops: a depth-first search over header edges.
WHITE, GREY, BLACK = 0, 1, 2
colour = {f: WHITE for f in files}


def visit(f, path):
    colour[f] = GREY
    for i in local[f]:
        if colour[i] == GREY:
            loop = path[path.index(i):] + [i] if i in path else [f, i]
            problems.append('include loop: ' + ' -> '.join(loop))
        elif colour[i] == WHITE:
            visit(i, path + [i])
    colour[f] = BLACK


for f in files:
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

with open(os.path.join(src, 'meson.build'), encoding='utf-8') as fh:
    build = fh.read()
m = re.search(r'engine_sources\s*=\s*files\((.*?)\)', build, re.S)
if not m:
    problems.append('src/meson.build has no engine_sources = files(...) list')
    engine = []
else:
    engine = re.findall(r"'([^']+)'", m.group(1))
if m and 'corral-vm.c' not in engine:
    problems.append('engine_sources does not list corral-vm.c: the check would test nothing')


def reach(f, seen):
    if f in seen:
        return
    seen.add(f)
    for i in local[f]:
        reach(i, seen)


for e in engine:
    if e not in local:
        problems.append(f'engine_sources lists {e}, which is not in src/')
        continue
    seen = set()
    reach(e, seen)
    for s in sorted(seen):
        for h in system[s]:
            if ui_headers.match(h):
                via = '' if s == e else f' (through {s})'
                problems.append(f'engine file {e} includes <{h}>{via}')

for p in problems:
    print(p)
if problems:
    sys.exit(1)
print(f'{len(files)} files in src/: no include loop, private headers kept private, '
      f'{len(engine)} engine files free of UI headers')
