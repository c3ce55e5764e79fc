/*
 * dnsplane.pml - the planner, NE enactors and authd's guard and generation
 * fence, for one endpoint E, as a Promela model for SPIN.
 *
 * Each enactor is enactor/enactor.c step by step: every statement below
 * that reads or writes shared state is one query to authd, one UPDATE
 * (atomic: authd's single update thread applies it whole or not at all),
 * or one read or write of the plan store.  The records are those of
 * common/layout.c, the prerequisites those layout_apply() sends, and the
 * guard and fence those of authd/update.c.
 *
 * Settings, as spin -D... (both for spin -a and for spin -t):
 *   LEGACY      legacy enactors, authd with guard-enabled no (else safe
 *               enactors, guard and fence on)
 *   NOGUARD     safe enactors against authd with guard-enabled no: what
 *               the enactors hold up by themselves
 *   NE          enactors (default 3)
 *   MAXGEN      the planner writes generations 1..MAXGEN (default 4,
 *               at most 15)
 *   KEEP        the enactors' keep (default 1)
 *   CHECK_EMPTY assert: E always resolves to an address
 *   CHECK_BACK  assert: the generation served (CNAME and _gen) never
 *               goes back
 *   CHECK_REF   assert: the plan E is on is never deleted, from authd
 *               or from the store
 *   LIVE        the LTL property "newest": E ends on plan MAXGEN, with
 *               its addresses, for good (check with pan -a -f: weak
 *               fairness, so every enactor that can move moves again)
 *   STOPFOREVER every enactor but the first may stop at any pause point
 *               and never run again (SIGSTOP for good, kill -9)
 *   GRAIN       an enactor runs from one pause point to the next without
 *               the others moving, and the planner writes only while
 *               every enactor is stopped: the schedules that --pause-at,
 *               SIGSTOP and SIGCONT can force on the real daemons, so a
 *               trail replays (tests/model/trail2schedule.awk)
 *
 * The planner prints "MODEL write G"; in GRAIN mode an enactor prints
 * "MODEL stop ID POINT ARG" at every pause point and "MODEL run ID" when
 * it takes its turn; spin -t prints them in the order of the trail.
 */

#ifndef NE
#define NE 3
#endif
#ifndef MAXGEN
#define MAXGEN 4
#endif
#ifndef KEEP
#define KEEP 1
#endif
#define CAS_TRIES 8 /* enactor.c */

#if defined(LEGACY) || defined(NOGUARD)
#define GUARD 0
#else
#define GUARD 1
#endif

mtype = { after_freshness_check, before_endpoint, before_cleanup,
          before_delete };

/* The plan store. */
byte newest;          /* generations 1..newest were written */
unsigned stored : 16; /* bit G: plan G is in the store (not deleted) */
#ifdef LEGACY
byte applied[NE + 1]; /* enactor.applied: the whole plan enactor ID last
                       * reported applied (report_plan()); 0: none.  Only
                       * legacy reads it: safe's report is bookkeeping. */
#endif

/* authd's zone, for E. */
unsigned recs : 16;   /* bit G: g<G>._plan.E has the plan's addresses */
bit own = 1;          /* E A 192.0.2.250, the zone file's own address */
byte cname;           /* E CNAME g<cname>._plan.E; 0: no CNAME */
bit mark;             /* _gen.E TXT exists */
byte gen;             /* and the generation it holds */
byte lock;            /* _lock.E, held by enactor lock; 0: free */

#ifdef GRAIN
byte turn;            /* the enactor running now; 0: all stopped */
#endif

#define BIT(m, g)  (((m) >> (g)) & 1)
/* Does E resolve to an address?  (A plan is never empty.) */
#define RESOLVES   ((cname == 0 && own) || (cname != 0 && BIT(recs, cname)))
#define AT_NEWEST  (mark && gen == MAXGEN && cname == MAXGEN && BIT(recs, MAXGEN))

/* Update results as the enactors tell them apart. */
#define R_OK      0
#define R_PREREQ  1 /* NXDOMAIN, NXRRSET or YXRRSET: a prerequisite failed */
#define R_REFUSED 2 /* the guard or the fence */

#ifdef LIVE
ltl newest { <> [] AT_NEWEST }
#endif

/* A pause point: with GRAIN, the enactor stops here (SIGSTOP) and runs
 * on when the schedule gives it the turn again (SIGCONT). */
inline pause(point, arg)
{
#ifdef GRAIN
	atomic {
		printf("MODEL stop %d %e %d\n", _pid, point, arg);
		turn = 0
	};
	atomic {
		turn == 0 -> turn = _pid;
		printf("MODEL run %d\n", _pid)
	}
#elif defined(STOPFOREVER)
	if
	:: _pid > 1 -> goto stopped /* stopped for good, or killed */
	:: skip
	fi
#else
	skip
#endif
}

/*
 * layout_apply() for plan @g as authd's update_apply() takes it: legacy
 * (@cas 0) with the prerequisite that the active plan it read (@rcname)
 * still exists; safe (@cas 1) with the prerequisite that the marker is
 * what was read (@rmark, @rgen).  The update replaces g<g>'s records,
 * the CNAME and the marker (and releases the lock in legacy mode); then
 * the guard and the fence, when on.
 */
inline authd_apply(g, cas, rmark, rgen, rcname, rc)
{
	d_step {
		if
		:: !cas && rcname != 0 && rcname != g && !BIT(recs, rcname) ->
			rc = R_PREREQ /* the active plan is gone: NXDOMAIN */
		:: cas && (rmark != mark || (mark && gen != rgen)) ->
			rc = R_PREREQ /* moved since read: NXRRSET/YXRRSET */
		:: else ->
			/* The guard counts g's addresses after it: never
			 * below the minimum (the planner writes no empty
			 * plan).  The fence: the marker may not go back. */
			if
			:: GUARD && mark && g < gen ->
				rc = R_REFUSED
			:: else ->
#ifdef CHECK_BACK
				assert(!(mark && g < gen));
				assert(!(cname != 0 && g < cname));
#endif
				recs = recs | (1 << g);
				own = 0;
				cname = g;
				mark = 1;
				gen = g;
				if
				:: !cas -> lock = 0
				:: else
				fi;
				rc = R_OK
			fi
		fi
	}
}

/* layout_delete_plan(): delete g<g>'s records; the guard refuses when E
 * would lose its last address through it. */
inline authd_delete(g, rc)
{
	d_step {
		if
		:: GUARD && cname == g && BIT(recs, g) ->
			rc = R_REFUSED
		:: else ->
#ifdef CHECK_REF
			assert(cname != g);
#endif
			recs = recs & ~(1 << g);
#ifdef CHECK_EMPTY
			assert(RESOLVES);
#endif
			rc = R_OK
		fi
	}
}

/* planstore_delete_plan() */
inline store_delete(g)
{
	d_step {
#ifdef CHECK_REF
		assert(cname != g);
#endif
		stored = stored & ~(1 << g)
	}
}

/* The planner: strictly increasing generations, none of them empty. */
active proctype planner()
#ifdef GRAIN
	provided (turn == 0)
#endif
{
	do
	:: newest < MAXGEN ->
		d_step {
			newest++;
			stored = stored | (1 << newest);
			printf("MODEL write %d\n", newest)
		}
	:: else -> break
	od
}

#ifndef LEGACY
/*
 * deletable(): more than KEEP older than the pass's plan, not newer than
 * the oldest plan an enactor with a live heartbeat is applying, and
 * neither E's CNAME nor its marker names it.  The heartbeat check may go
 * either way each time it is made: a heartbeat in the store lags the
 * enactor's in_flight by up to heartbeat-ms and a stopped enactor's goes
 * stale, so safety must not rest on it, and the model does not let it.
 */
inline deletable(g, ok)
{
	ok = 0;
	if
	:: g + KEEP >= n -> skip
	:: else ->
		if
		:: skip /* at or above an in-flight plan: kept */
		:: rcname = cname;                   /* referenced(): CNAME */
		   d_step { rmark = mark; rgen = gen }; /* and marker */
		   d_step {
			ok = !(rcname == g || (rmark && rgen == g));
			rcname = 0; rmark = 0; rgen = 0
		   }
		fi
	fi
}
#endif

active [NE] proctype enactor()
#ifdef GRAIN
	provided (turn == 0 || turn == _pid)
#endif
{
	byte n;              /* the pass's plan: the newest when it looked */
	byte g;              /* cleanup: the plan considered */
	unsigned list : 16;  /* cleanup: planstore_list() */
	bit rmark;           /* layout_read(): the marker, */
	byte rgen;
	byte rcname;         /* the CNAME's plan, */
	bit raddr;           /* whether E has addresses */
	byte rc;
	byte attempt;
	bit ok;

#ifdef GRAIN
	atomic {
		turn == 0 -> turn = _pid;
		printf("MODEL run %d\n", _pid)
	};
#endif
pass:
	atomic {
		g = 0; list = 0; rmark = 0; rgen = 0; rcname = 0;
		raddr = 0; rc = 0; attempt = 0; ok = 0;
#ifdef LEGACY
		n = newest /* planstore_newest() */
#else
		n = 0
#endif
	};
#ifdef LEGACY
	/*
	 * legacy_pass(): the one-time freshness check compares with the
	 * newest whole plan any enactor reports applied, the store's
	 * enactor.applied (applied_by_anyone(): one read of the store, a
	 * moment after planstore_newest()); not newer: no pass.
	 */
	d_step {
		if
		:: n == 0 -> ok = 1
		:: else ->
			g = 1;
			do
			:: g <= NE ->
				if
				:: applied[g] >= n -> ok = 1
				:: else
				fi;
				g++
			:: else -> break
			od;
			g = 0
		fi
	};
	if
	:: ok -> goto pass
	:: else
	fi;
	pause(after_freshness_check, 0);
	if
	:: !BIT(stored, n) -> goto pass /* planstore_get_plan() failed */
	:: else
	fi;
	pause(before_endpoint, 0);
	/*
	 * legacy_lock() waits while another enactor holds the lock, and
	 * gives up after LOCK_TRIES: the walk ends there without a failure,
	 * so the pass goes on to report the plan and clean up.
	 */
	if
	:: atomic { lock == 0 -> lock = _pid }
	:: lock != 0 -> goto walked
	fi;
	rcname = cname; /* layout_read() */
	authd_apply(n, 0, 0, 0, rcname, rc);
	if
	:: rc != R_OK ->
		lock = 0; /* layout_unlock(); a failure: no report, no cleanup */
		goto pass
	:: else
	fi;
walked:
	/* report_plan(): the whole plan is on, for the next freshness
	 * check.  n is newer than any plan reported at the check, this
	 * enactor's last report too, so "once per generation" never skips
	 * it. */
	applied[_pid] = n;
	/* legacy_cleanup(): every listed plan more than KEEP older than n */
	pause(before_cleanup, 0);
	atomic {
		list = stored;
		g = 1;
		do
		:: g <= MAXGEN && !(BIT(list, g) && g + KEEP < n) -> g++
		:: else -> break
		od
	};
	do
	:: g > MAXGEN -> break
	:: else ->
		pause(before_delete, g);
		if
		:: BIT(stored, g) -> /* planstore_get_plan() */
			authd_delete(g, rc);
			store_delete(g)
		:: else
		fi;
		atomic {
			g++;
			do
			:: g <= MAXGEN && !(BIT(list, g) && g + KEEP < n) -> g++
			:: else -> break
			od
		}
	od;
	goto pass;
#else
	/* safe_pass(): planstore_newest(), which is read again below */
	if
	:: newest == 0 -> goto pass
	:: else
	fi;
	pause(after_freshness_check, 0);
	n = newest; /* what was newest may have grown meanwhile */
	if
	:: !BIT(stored, n) -> goto pass /* planstore_get_plan() failed */
	:: skip /* in the store, or the last pass's copy (e->last) */
	fi;
	/*
	 * safe_window(), then safe_endpoint() for an endpoint whose update
	 * did not go through: compare-and-swap on the marker, forward only,
	 * CAS_TRIES more attempts, the pause point before the first only.
	 */
	do
	:: attempt == CAS_TRIES + 1 -> goto walked /* behind */
	:: else ->
		/* layout_read_many(): E A (with the CNAME), then _gen.E
		 * TXT, pipelined on one TCP connection, which authd answers
		 * in order, each from the snapshot of its moment. */
		raddr = RESOLVES;
		atomic { rmark = mark; rgen = gen };
		if
		:: rmark && rgen >= n && raddr -> break /* up to date */
		:: rmark && rgen > n -> break           /* someone is ahead */
		:: else
		fi;
		if
		:: attempt == 0 -> pause(before_endpoint, 0)
		:: else
		fi;
		authd_apply(n, 1, rmark, rgen, 0, rc);
		if
		:: rc == R_OK -> break
		:: rc == R_PREREQ -> attempt++ /* read again */
		:: rc == R_REFUSED -> goto walked /* behind */
		fi
	od;
walked:
	atomic { rmark = 0; rgen = 0; raddr = 0; rc = 0; attempt = 0 };
	/* report_plan(), not modelled: safe reads no enactor.applied. */
	/* safe_cleanup(), after every pass: E behind (refused, or out of
	 * attempts) or not, and a newer plan does not stop it. */
	pause(before_cleanup, 0);
	atomic {
		list = stored;
		g = 1;
		do
		:: g <= MAXGEN && !BIT(list, g) -> g++
		:: else -> break
		od
	};
	do
	:: g > MAXGEN -> break
	:: else ->
		deletable(g, ok);
		if
		:: ok ->
			pause(before_delete, g);
			deletable(g, ok); /* checked again right before */
			if
			:: ok && BIT(stored, g) -> /* planstore_get_plan() */
				authd_delete(g, rc);
				if
				:: rc == R_OK -> store_delete(g)
				:: else /* the guard: kept */
				fi
			:: else
			fi
		:: else
		fi;
		atomic {
			ok = 0;
			rc = 0;
			g++;
			do
			:: g <= MAXGEN && !BIT(list, g) -> g++
			:: else -> break
			od
		}
	od;
	goto pass
#endif
stopped:
	skip
}
