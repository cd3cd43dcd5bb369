# wait_lib.sh - waiting helpers for tests/scripts/test_*.sh (sourced, not run).
# lib.sh sources it; a script that runs without lib.sh (test_alerts_crierctl.sh,
# test_remote_crierctl.sh: no set -e, no fixed clock) sources it alone.  Only
# function definitions here: sourcing it changes nothing else.

# wait_for SECONDS PATTERN FILE: returns 0 as soon as FILE has a line matching
# PATTERN (grep -q --, basic regular expression), 1 after SECONDS (a whole
# number) of polling every 0.1 s.  A missing FILE is not an error: it is
# looked for again at the next poll.
wait_for() {
  local t=$(( $1 * 10 ))
  while ((t-- > 0)); do grep -q -- "$2" "$3" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
