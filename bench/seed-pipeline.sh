#!/usr/bin/env bash
# seed-pipeline.sh FILE...: the shell hunt of seed 002 (TH-0002, "data uploaded per
# source/destination pair"), the baseline `sluice hunt` is measured against:
#
#   cat conn.*log | zeek-cut id.orig_h id.resp_h orig_bytes | sort | grep -v -e '^$' \
#     | grep -v '-' | datamash -g 1,2 sum 3 | sort -k 3 -rn | head -10
#
# awk stands in for zeek-cut (which ships with Zeek): it prints columns 3, 5 and 10 (id.orig_h,
# id.resp_h, orig_bytes) of the lines that are not headers. FILE may be gzipped (.gz).
#
# The pipeline runs under LC_ALL=C: in other locales sort collates by letters and digits
# first, ignoring the dots and tabs, so lines of one src/dst pair need not end up next to
# each other and datamash -g (which expects its groups adjacent) would split their sums.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 conn.log [conn.log.gz ...]" >&2
	exit 2
fi
if ! command -v datamash >/dev/null 2>&1; then
	echo "$0: datamash is not installed; install it with: apt-get install -y datamash" >&2
	exit 127
fi
for f in "$@"; do
	if [ ! -r "$f" ]; then
		echo "$0: cannot read $f" >&2
		exit 2
	fi
done

export LC_ALL=C

# cat_logs writes the files' text, decompressing the gzipped ones.
cat_logs() {
	local f
	for f in "$@"; do
		case "$f" in
		*.gz) gzip -dc -- "$f" ;;
		*) cat -- "$f" ;;
		esac
	done
}

set +o pipefail
cat_logs "$@" |
	awk -F'\t' '!/^#/ { print $3 "\t" $5 "\t" $10 }' |
	sort |
	grep -v -e '^$' |
	grep -v '-' |
	datamash -g 1,2 sum 3 |
	sort -k 3 -rn |
	head -10
status=("${PIPESTATUS[@]}")
set -o pipefail

# head stops reading after ten lines, so the last sort may die of SIGPIPE (141); grep exits 1
# when it selects nothing. Anything else is a failure.
names=(cat awk sort grep grep datamash sort head)
for i in "${!status[@]}"; do
	s=${status[$i]}
	case "$i:$s" in
	*:0 | 3:1 | 4:1 | 6:141) ;;
	*)
		echo "$0: ${names[$i]} failed (exit $s)" >&2
		exit "$s"
		;;
	esac
done
