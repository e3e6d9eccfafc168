#!/usr/bin/env bash
# The repository stands on its own: no tracked file outside tests/ (docs, README, tools, presets,
# python, code) cites the developers' private reference notes or any file outside the repository.
# Sources are cited by their original publication, in docs/references.md. Lists every hit, exit 1.
#   tests/cli/docs_standalone.sh [LVSIM] SOURCE_DIR      (LVSIM is unused: the CLI tests' arguments)
set -uo pipefail
SRC=${2:-${1:-.}}
# "facts.md", "facts §4", "facts section 5", "(facts: ...)", "facts' ceiling", "no figure in facts",
# and paths into the shared folder next to the checkout.
PATTERN='\bfacts(\.md| ?§| section|:|'"'"')|no figure in facts|shared/reference|\.\./shared/|/work/(shared|notes)/'
if files=$(git -C "$SRC" ls-files 2>/dev/null) && [ -n "$files" ]; then
  hits=$(cd "$SRC" && printf '%s\n' "$files" | grep -v '^tests/' | tr '\n' '\0' |
    xargs -0 grep -n -I -i -E "$PATTERN" -- 2>/dev/null)
else  # not a git checkout (a source archive): every file outside tests/ and build folders
  hits=$(cd "$SRC" && find . -type f -not -path './tests/*' -not -path './.git/*' -not -path './build*' -print0 |
    xargs -0 grep -n -I -i -E "$PATTERN" -- 2>/dev/null)
fi
if [ -n "$hits" ]; then
  echo "FAIL files cite sources outside the repository (cite the original source, docs/references.md):"
  printf '%s\n' "$hits"
  exit 1
fi
echo "ok   no tracked file outside tests/ cites files outside the repository"
exit 0
