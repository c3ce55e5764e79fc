# trail2schedule.awk - turn SPIN's replay of a GRAIN trail (spin -t
# output of tests/model/dnsplane.pml) into a schedule for replay.sh.
#
# usage: spin -DGRAIN ... -t -k TRAIL dnsplane.pml |
#            awk -v keep=K -f trail2schedule.awk > SCHEDULE
#
# The model prints "MODEL write G" (the planner), "MODEL run ID" (enactor
# ID runs) and "MODEL stop ID POINT ARG" (it stops at a pause point).
# One schedule line per action, in the order of the trail:
#
#   keep K                  the enactors' keep
#   pauses ID POINT...      enactor ID's --pause-at list, one entry per
#                           stop in the trail (each entry fires once)
#   write G                 write plan G into the store
#   run ID POINT            start enactor ID, or SIGCONT it, and wait
#                           until it stops at POINT
#   run ID end              SIGCONT it for its last stretch: the trail
#                           ends in the violation before its next stop
#   expect empty            the endpoint resolves to nothing
#
# Exits 1 with a message when the trail does not end in the assertion
# that E always resolves to an address.
function point(p, a)
{
	gsub(/_/, "-", p)
	return p == "before-delete" ? p ":" a : p
}
$1 == "MODEL" && $2 == "write" {
	out[++n] = "write " $3
	next
}
$1 == "MODEL" && $2 == "run" {
	running[$3] = 1
	next
}
$1 == "MODEL" && $2 == "stop" {
	p = point($4, $5)
	out[++n] = "run " $3 " " p
	pauses[$3] = pauses[$3] " " p
	running[$3] = 0
	if (!($3 in seen)) {
		seen[$3] = 1
		order[++ne] = $3
	}
	next
}
/assertion violated/ {
	violated = 1
	next
}
/text of failed assertion/ {
	text = $0
	next
}
END {
	if (!violated) {
		print "trail2schedule: the trail ends in no assertion " \
		      "violation" > "/dev/stderr"
		exit 1
	}
	if (text !~ /own/) {
		print "trail2schedule: the trail ends in another assertion: " \
		      text > "/dev/stderr"
		exit 1
	}
	print "keep " keep
	for (i = 1; i <= ne; i++)
		print "pauses " order[i] pauses[order[i]]
	for (i = 1; i <= n; i++)
		print out[i]
	for (id in running)
		if (running[id])
			last = id
	if (last != "")
		print "run " last " end"
	print "expect empty"
}
