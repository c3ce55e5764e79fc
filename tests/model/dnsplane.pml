/*
 * dnsplane.pml - the planner, NE enactors and authd's guard and generation
 * fence, for NEP endpoints E1..E<NEP>, as a Promela model for SPIN.
 *
 * Each enactor is enactor/enactor.c step by step: every statement below
 * that reads or writes shared state is one query to authd, one UPDATE
 * (atomic: authd's single update thread applies it whole or not at all),
 * or one read or write of the plan store.  The records are those of
 * common/layout.c, the prerequisites those layout_apply() sends, and the
 * guard and fence those of authd/guard.c.
 *
 * Settings, as spin -D... (both for spin -a and for spin -t):
 *   LEGACY      legacy enactors, authd with guard-enabled no (else safe
 *               enactors, guard and fence on)
 *   NOGUARD     safe enactors against authd with guard-enabled no: what
 *               the enactors hold up by themselves
 *   NE          enactors (default 3)
 *   MAXGEN      the highest generation there is (default 4, at most 15);
 *               the planner writes 1..MAXGEN in order unless RESTORE
 *   KEEP        the enactors' keep (default 1)
 *   CHECK_EMPTY assert: every endpoint always resolves to an address
 *   CHECK_BACK  assert: the generation an endpoint is served from (its
 *               CNAME and its _gen marker) never goes back
 *   CHECK_REF   assert: the plan an endpoint is on is never deleted, from
 *               authd or from the store
 *   CHECK_COMMIT (legacy) assert: no transaction fails on its rollback
 *               record, whose prerequisite is the plan the alias leaves:
 *               a violation is the stuck state, in which every move of
 *               the endpoint fails so (AWS's "no enactor could commit")
 *   CHECK_RB    (one endpoint) assert: the rollback record never points
 *               at a plan whose records are gone, so a rollback is
 *               always one alias flip away
 *   RBREAD      (safe, one endpoint) the update is built from the alias
 *               and the rollback record as the enactor read them, and
 *               asserts that they are what authd has when the CAS on the
 *               marker passes; by default the model passes authd's own
 *               (fewer states), which these runs show to be the same
 *   NORBKEEP    (safe, one endpoint) cleanup's deletable() reads the
 *               alias and the marker but not the rollback record: the
 *               plan it names may be deleted (only authd's guard then
 *               keeps it)
 *   LIVE        the LTL property "newest": every endpoint of the store's
 *               newest plan ends on it, with its addresses, for good
 *               (check with pan -a -f: weak fairness, so every process
 *               that can move moves again)
 *   STOPFOREVER every enactor but the first may stop at any pause point
 *               and never run again (SIGSTOP for good, kill -9)
 *   GRAIN       (legacy) an enactor runs from one pause point to the next
 *               without the others moving, and the planner writes only
 *               while every enactor is stopped: the schedules that
 *               --pause-at, SIGSTOP and SIGCONT can force on the real
 *               daemons, so a trail replays (trail2schedule.awk)
 *
 * Operational faults, for safe enactors:
 *   NEP         endpoints (default 1, at most 3)
 *   LEAVE       a SIGHUP may take the last endpoint out of the planner's
 *               settings before any write: every generation written from
 *               then on lacks it, and it stays where it is
 *   RESTORE     the plan store may be replaced, at most RESTORE times,
 *               by a copy taken at any earlier moment or by an empty
 *               store, while the planner has writes to make; before each
 *               write the planner reads the marker of every endpoint of
 *               its settings and raises the store's counter past the
 *               highest (planner.c above_served(), planstore_raise())
 *   NOHWM       (RESTORE) the planner writes without that read
 *   WRITES      (RESTORE) the planner's writes (default MAXGEN - 1)
 *   LASTNUM     (RESTORE) the enactor reuses its last pass's plan
 *               whenever the number is the same, not only while it is
 *               the store's plan of that number (safe_pass() before
 *               planstore_newest_stamp())
 *   NODIGEST    (RESTORE) an endpoint marked with the newest plan and on
 *               it counts as up to date whatever addresses it serves
 *               (up_to_date() without the digest)
 *   NOOWN       (LEAVE) cleanup reads only the newest plan's endpoints
 *               (deletable() without unreferenced_by_own())
 *   NOFENCE     cleanup reads the endpoints of a plan it may delete
 *               without raising the marker of those at or below it first
 *               (safe_cleanup() without fence_plan())
 * Any of NEP > 1, LEAVE and RESTORE selects the multi-endpoint pass
 * (MULTI); with one endpoint and none of them the model is the
 * single-endpoint pass, a window of one.
 *
 * How the faults are modelled, and why that is sound:
 * - A walk is one window (enactor.c's is 64 endpoints): one pipelined
 *   read of every endpoint of the plan (E A, whose answer carries the
 *   CNAME and the addresses it leads to, then _gen.E TXT; authd answers
 *   in order, each from the moment it answers), then one CAS UPDATE for
 *   each endpoint found behind, in the walk order, then those that met
 *   another writer alone, read again first, CAS_TRIES times
 *   (safe_window(), safe_endpoint()).  walk_order() puts the endpoints
 *   whose addresses changed first: the model lets that be any subset.  A
 *   refused update leaves the endpoint behind; a newer plan seen right
 *   before an update (superseded()) drops it.  Cleanup runs after every
 *   pass, behind or overtaken, and a newer plan does not stop it.  The
 *   UPDATEs of a window are sent back to back and may commit together;
 *   one at a time is every order that allows.
 * - Cleanup reads, right before each deletion, every endpoint of the
 *   pass's plan (deletable()) and those of the candidate plan that the
 *   pass's plan lacks (unreferenced_by_own()): every endpoint in the
 *   candidate or the newest plan.  The one scan before the loop and the
 *   heartbeats only rule candidates out; the model lets them go either
 *   way, so no deletion rests on them.  Its records go one endpoint at a
 *   time; one the guard refuses keeps the plan in the store.
 * - An endpoint removed from the settings keeps its CNAME, marker and
 *   records: no plan moves it again, the planner reads its marker no
 *   more, and only a cleanup of a plan that has it touches it.  CHECK_REF
 *   counts a plan as the one an endpoint is on when the endpoint is in
 *   that plan: after a restore the store may hold another plan of the
 *   same number without it, whose deletion leaves it alone.
 * - A restore puts back the store of an earlier moment (the last copy
 *   taken, or an empty store): plans written since are lost, plans
 *   deleted since come back, the counter goes back.  authd, the
 *   enactors' memory and the planner's settings stay.  The store's
 *   newest plan is max(generation), so a cleanup working from a plan the
 *   restore lost can lower it.  Restores come before the planner's last
 *   write; the rounds after it (below) take care of the rest.
 * - A plan's content is its addresses: the planner's write of number G
 *   after a restore may differ from the G the restore lost (its health
 *   checks moved on), and an enactor that read the lost one may apply it
 *   after the planner read the markers.  A store never issues a number
 *   twice between two restores, so a plan's content is named by the
 *   restores before its write (epoch); authd's records carry the content
 *   they were written from (endpoint_state.addr_digest).  An endpoint
 *   marked with the newest plan but serving other addresses is rewritten
 *   under a CAS on that marker (up_to_date(), needs_move()).
 * - After its WRITES writes the planner goes on with rounds: the real
 *   one reads the markers every served-check-ms and writes every
 *   plan-interval-ms, which would never end.  The model runs a round
 *   only when its read can find something to do, a marker of its
 *   settings above the newest plan or a store without plans, and writes
 *   only then: LIVE is that the endpoints get there without the
 *   planner's periodic generations.  Each such write is above a marker
 *   and at most one above every generation written before, so the
 *   generations stay within WRITES + 1 (asserted).  Without the read
 *   (NOHWM) the planner has nothing to write for.
 *
 * What the faults show (tests/model/run.sh): with the planner's read,
 * the invariants and LIVE hold for 2 endpoints, an endpoint leaving and
 * a store restored once or twice, provided the enactor's e->last is not
 * reused by number alone (LASTNUM shows why: an enactor that read a plan
 * the restore lost goes on applying its addresses under the number the
 * planner issues again, until the next generation).
 * Without the read, the endpoints stay ahead of every plan written after
 * the restore; without the digest check, on the lost plan's addresses.
 * An endpoint that left keeps its old marker, so an enactor that still
 * holds an older plan with it can move it onto that plan after cleanup
 * read it: the plan is then deleted from the store under it (CHECK_REF),
 * and without authd's guard its records too (CHECK_EMPTY), unless
 * cleanup raises that endpoint's marker first, as it does (NOFENCE shows
 * it without).
 *
 * The planner prints "MODEL write G" (G/EPOCH under RESTORE), the
 * restore "MODEL restore NEWEST"; with MULTI an update prints "MODEL
 * apply ID E G/EPOCH", "MODEL delete ID E G", "MODEL retire ID G" and
 * "MODEL fence ID E G"; in GRAIN mode an enactor prints "MODEL stop ID
 * POINT ARG" at every pause point and "MODEL run ID" when it takes its
 * turn; spin -t prints them in the order of the trail.
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
#ifndef NEP
#define NEP 1
#endif
#define CAS_TRIES 8 /* enactor.c */

#if defined(LEGACY) || defined(NOGUARD)
#define GUARD 0
#else
#define GUARD 1
#endif

#if NEP > 1 || defined(LEAVE) || defined(RESTORE)
#define MULTI 1
#endif
#if NEP < 1 || NEP > 3
#error NEP is 1..3
#endif
#if defined(MULTI) && (defined(LEGACY) || defined(GRAIN))
#error the faults are modelled for safe enactors
#endif
#if defined(LEAVE) && NEP < 2
#error LEAVE needs an endpoint that stays (NEP >= 2)
#endif
#if (defined(NOHWM) || defined(WRITES) || defined(LASTNUM)) && \
    !defined(RESTORE)
#error NOHWM, WRITES and LASTNUM go with RESTORE
#endif
#if defined(NOOWN) && !defined(LEAVE)
#error NOOWN goes with LEAVE
#endif
#if defined(NODIGEST) && !defined(RESTORE)
#error NODIGEST goes with RESTORE
#endif
#if defined(MULTI) && \
    (defined(CHECK_RB) || defined(NORBKEEP) || defined(RBREAD))
#error the rollback record is modelled for one endpoint
#endif
#if defined(LEGACY) && (defined(NORBKEEP) || defined(RBREAD))
#error NORBKEEP and RBREAD are settings of safe enactors
#endif
#if defined(RESTORE) && !defined(WRITES)
#define WRITES (MAXGEN - 1)
#endif

mtype = { after_freshness_check, before_endpoint, before_cleanup,
          before_delete };

/* The plan store. */
byte newest;          /* the newest plan in the store; 0: none */
unsigned stored : 16; /* bit G: plan G is in the store (not deleted) */
#ifdef LEAVE
unsigned lacks : 16;  /* bit G: plan G lacks endpoint E<NEP> */
#endif
#ifdef RESTORE
byte counter;         /* store.last_generation: the last one issued */
byte ptag[MAXGEN + 1]; /* plan G's content: the epoch it was written in */
byte epoch;           /* restores so far */
byte writes;          /* the planner's writes so far */
/* The copy a restore puts back: the store at the moment it was taken
 * (at first: before the first plan, an empty store). */
byte bnewest;
unsigned bstored : 16;
#ifdef LEAVE
unsigned blacks : 16;
#endif
byte bcounter;
byte bptag[MAXGEN + 1];
#endif
#ifdef LEAVE
bit left;             /* E<NEP> is gone from the planner's settings */
#endif
#ifdef LEGACY
byte applied[NE + 1]; /* enactor.applied: the whole plan enactor ID last
                       * reported applied (report_plan()); 0: none.  Only
                       * legacy reads it: safe's report is bookkeeping. */
#endif

/* authd's zone, for each endpoint E (ep[0] is E1). */
typedef endpoint {
	unsigned recs : 16; /* bit G: g<G>._plan.E has the plan's addresses */
#ifdef RESTORE
	byte tag[MAXGEN + 1]; /* whose addresses: the content of their plan */
#endif
	bit own = 1;        /* E A 192.0.2.250, the zone file's own address */
	byte cname;         /* E CNAME g<cname>._plan.E; 0: no CNAME */
	bit mark;           /* _gen.E TXT exists */
	byte gen            /* and the generation it holds */
};
endpoint ep[NEP];
#ifdef LEGACY
byte lock;            /* _lock.E, held by enactor lock; 0: free */
#endif
#ifndef MULTI
byte rb;              /* _rollback.E CNAME g<rb>._plan.E; 0: none (with
                       * one endpoint: legacy, and safe) */
#endif
byte k;               /* a loop inside one step; 0 between steps */

#ifdef GRAIN
byte turn;            /* the enactor running now; 0: all stopped */
#endif

#define BIT(m, g)  (((m) >> (g)) & 1)
/* Does endpoint i resolve to an address?  (A plan is never empty.) */
#define RESOLVES_(i) ((ep[i].cname == 0 && ep[i].own) || \
                      (ep[i].cname != 0 && BIT(ep[i].recs, ep[i].cname)))
#define RESOLVES   RESOLVES_(0)

/* Is endpoint i in a plan whose lacks bit is lk? */
#ifdef LEAVE
#define LACKS(g)        BIT(lacks, g)
#define MEMBER(i, lk)   ((i) < NEP - 1 || !(lk))
#else
#define LACKS(g)        0
#define MEMBER(i, lk)   1
#endif
/* Do the addresses of g<G>._plan.E (endpoint i) have content t? */
#ifdef RESTORE
#define CONTENT(i, g, t) (ep[i].tag[g] == (t))
#define NEWEST_TAG      ptag[newest]
#else
#define CONTENT(i, g, t) 1
#define NEWEST_TAG      0
#endif

#ifdef MULTI
/* Endpoint i serves the newest plan: marked with it, on it, its
 * addresses those of the store's plan. */
#define AT_(i) (ep[i].mark && ep[i].gen == newest && ep[i].cname == newest && \
                BIT(ep[i].recs, newest) && CONTENT(i, newest, NEWEST_TAG))
#define LIVE_(i) (!MEMBER(i, LACKS(newest)) || AT_(i))
#if NEP == 1
#define AT_NEWEST  (newest > 0 && LIVE_(0))
#elif NEP == 2
#define AT_NEWEST  (newest > 0 && LIVE_(0) && LIVE_(1))
#else
#define AT_NEWEST  (newest > 0 && LIVE_(0) && LIVE_(1) && LIVE_(2))
#endif
#else
#define AT_NEWEST  (ep[0].mark && ep[0].gen == MAXGEN && \
                    ep[0].cname == MAXGEN && BIT(ep[0].recs, MAXGEN))
#endif

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
 * layout_apply() for plan @g (content @t) to endpoint @i as authd's
 * update_apply() takes it: legacy (@cas 0) as a change batch, whose lock
 * preamble requires the lock record to be the enactor's, and whose
 * rollback record requires the plan the alias leaves (@rcname, what it
 * read) to exist; safe (@cas 1) with the prerequisites that the marker
 * is what was read (@rmark, @rgen) and, with one endpoint, so is the
 * rollback record (@rrb).  The update replaces g<g>'s records, the
 * CNAME, the marker and the rollback record: legacy points it at the
 * plan the alias leaves; safe too when that plan answered addresses
 * (@rleft), else deletes it (push_rollback()).  Then the guard and the
 * fence, when on; the guard refuses an update that leaves the rollback
 * record pointing at a plan with no records when it did not before.
 * With several endpoints the rollback record is not modelled: every
 * safe move changes it and the marker together, so its CAS fails only
 * when the marker's does.
 */
inline authd_apply(i, g, t, cas, rmark, rgen, rcname, rleft, rrb, rc)
{
	d_step {
		if
#ifdef LEGACY
		:: !cas && lock != _pid ->
			rc = R_PREREQ /* the lock preamble: not ours, NXRRSET */
#endif
		:: !cas && rcname != 0 && rcname != g &&
		   !BIT(ep[i].recs, rcname) ->
#ifdef CHECK_COMMIT
			/* The rollback record cannot point at the deleted
			 * active plan: NXDOMAIN, and so for every plan. */
			assert(0);
#endif
			rc = R_PREREQ
		:: cas && (rmark != ep[i].mark ||
		           (ep[i].mark && ep[i].gen != rgen)) ->
			rc = R_PREREQ /* moved since read: NXRRSET/YXRRSET */
#ifndef MULTI
		:: cas && rrb != rb ->
			rc = R_PREREQ /* the rollback record changed */
#endif
		:: else ->
#ifdef RBREAD
			/* What the model passes by default, the alias and
			 * the rollback record as they are now, is what the
			 * enactor read: its CAS passed. */
			assert(!cas || rcname == ep[i].cname);
			assert(!cas || rrb == rb);
#endif
#ifndef MULTI
			/* k: the rollback record after the update */
			if
			:: rcname != 0 && rcname != g && (!cas || rleft) ->
				k = rcname
			:: rcname != 0 && rcname != g && cas && !rleft ->
				k = 0 /* deleted, not pointed at nothing */
			:: else -> k = rb
			fi;
#endif
			/* The guard counts g's addresses after it: never
			 * below the minimum (the planner writes no empty
			 * plan).  The fence: the marker may not go back. */
			if
			:: GUARD && ep[i].mark && g < ep[i].gen ->
				rc = R_REFUSED
#ifndef MULTI
			:: GUARD && k != 0 && k != g &&
			   !BIT(ep[i].recs, k) &&
			   (rb == 0 || BIT(ep[i].recs, rb)) ->
				rc = R_REFUSED /* at nothing: GUARD_ROLLBACK */
#endif
			:: else ->
#ifdef CHECK_BACK
				assert(!(ep[i].mark && g < ep[i].gen));
				assert(!(ep[i].cname != 0 && g < ep[i].cname));
#endif
				ep[i].recs = ep[i].recs | (1 << g);
#ifdef RESTORE
				ep[i].tag[g] = t;
#endif
				ep[i].own = 0;
				ep[i].cname = g;
				ep[i].mark = 1;
				ep[i].gen = g;
#ifdef MULTI
				printf("MODEL apply %d E%d %d/%d\n", _pid, i + 1, g, t);
#else
				rb = k;
#ifdef CHECK_RB
				assert(rb == 0 || BIT(ep[i].recs, rb));
#endif
#endif
				rc = R_OK
			fi;
			k = 0
		fi
	}
}

/* layout_delete_plan(): delete g<g>._plan.E for endpoint @i; the guard
 * refuses when it would lose its last address through it, or leave the
 * rollback record pointing at nothing. */
inline authd_delete(i, g, rc)
{
	d_step {
		if
		:: GUARD && ep[i].cname == g && BIT(ep[i].recs, g) ->
			rc = R_REFUSED
#ifndef MULTI
		:: GUARD && rb == g && BIT(ep[i].recs, g) ->
			rc = R_REFUSED /* the rollback record's: GUARD_ROLLBACK */
#endif
		:: else ->
#ifdef CHECK_REF
			assert(ep[i].cname != g);
#endif
			ep[i].recs = ep[i].recs & ~(1 << g);
#ifdef RESTORE
			ep[i].tag[g] = 0;
#endif
#ifdef MULTI
			printf("MODEL delete %d E%d %d\n", _pid, i + 1, g);
#endif
#ifdef CHECK_EMPTY
			assert(RESOLVES_(i));
#endif
#ifdef CHECK_RB
			assert(rb != g);
#endif
			rc = R_OK
		fi
	}
}

/*
 * planstore_delete_plan().  A plan another endpoint is on only by number
 * (the plan of that number the store lost, which it lacks) is not the
 * plan that endpoint is on: its records are not the plan's to delete.
 * The store's newest plan is max(generation): it goes down when a
 * cleanup working from a plan a restore lost deletes it.
 */
inline store_delete(g)
{
	d_step {
#ifdef CHECK_REF
		k = 0;
		do
		:: k < NEP ->
			assert(!(ep[k].cname == g && MEMBER(k, LACKS(g))));
			k++
		:: else -> break
		od;
		k = 0;
#endif
		stored = stored & ~(1 << g);
#ifdef MULTI
		printf("MODEL retire %d %d\n", _pid, g);
#endif
#ifdef LEAVE
		lacks = lacks & ~(1 << g);
#endif
#ifdef RESTORE
		ptag[g] = 0;
		if
		:: newest == g ->
			do
			:: newest > 0 && !BIT(stored, newest) -> newest--
			:: else -> break
			od
		:: else
		fi
#endif
	}
}

#ifndef RESTORE
/* The planner: strictly increasing generations, none of them empty. */
active proctype planner()
#ifdef GRAIN
	provided (turn == 0)
#endif
{
	do
	:: newest < MAXGEN ->
#ifdef LEAVE
		/* A SIGHUP may take E<NEP> out of the settings. */
		atomic {
			if
			:: !left -> left = 1
			:: skip
			fi;
			newest++;
			stored = stored | (1 << newest);
			if
			:: left -> lacks = lacks | (1 << newest)
			:: else
			fi;
			printf("MODEL write %d\n", newest)
		}
#else
		d_step {
			newest++;
			stored = stored | (1 << newest);
			printf("MODEL write %d\n", newest)
		}
#endif
	:: else -> break
	od
}
#else
#ifdef LEAVE
#define SETTINGS(i) ((i) < NEP - 1 || !left)
#else
#define SETTINGS(i) 1
#endif
#define ABOVE_(i) (SETTINGS(i) && ep[i].mark && ep[i].gen > newest)
#if NEP == 1
#define SERVED_ABOVE (newest == 0 || ABOVE_(0))
#elif NEP == 2
#define SERVED_ABOVE (newest == 0 || ABOVE_(0) || ABOVE_(1))
#else
#define SERVED_ABOVE (newest == 0 || ABOVE_(0) || ABOVE_(1) || ABOVE_(2))
#endif

/*
 * The planner's read of the generations authd serves (served_read()): the
 * marker of every endpoint of its settings, pipelined, each answered from
 * its own moment, the highest into @hw.
 */
inline served_read(hw)
{
	do
	:: e < NEP ->
		d_step {
#ifdef LEAVE
			if
			:: e == NEP - 1 && left -> skip /* not in the settings */
			:: else ->
#endif
				if
				:: ep[e].mark && ep[e].gen > hw -> hw = ep[e].gen
				:: else
				fi
#ifdef LEAVE
			fi
#endif
			;
			e++
		}
	:: else -> break
	od
}

/*
 * A round of planner_plan() against a store that may be restored under
 * it: refresh_prev() (the newest plan becomes the base), above_served()
 * (the read, then planstore_raise()), write_plan() (one transaction:
 * refused when the newest plan is not the base any more, else the next
 * generation from the counter).  @only_above: write only when a marker
 * is above the base (the rounds after the planner's WRITES writes).
 */
inline planner_round(only_above)
{
#ifdef LEAVE
	atomic {
		base = newest;
		if
		:: !left -> left = 1 /* a SIGHUP took E<NEP> out */
		:: skip
		fi
	};
#else
	base = newest;
#endif
#ifndef NOHWM
	served_read(hw);
#endif
	if
	:: only_above && hw <= base && base != 0 -> skip /* nothing to pass */
	:: else ->
#ifndef NOHWM
		d_step { /* planstore_raise() */
			if
			:: counter < hw -> counter = hw
			:: else
			fi
		};
#endif
		d_step { /* planstore_write_plan(), base checked */
			if
			:: newest == base ->
				counter++;
				assert(counter <= MAXGEN);
				newest = counter;
				stored = stored | (1 << newest);
#ifdef LEAVE
				if
				:: left -> lacks = lacks | (1 << newest)
				:: else
				fi;
#endif
				ptag[newest] = epoch;
				if
				:: !only_above -> writes++
				:: else
				fi;
				printf("MODEL write %d/%d\n", newest, epoch)
			:: else /* DP_EEXIST: planned again next round */
			fi
		}
	fi;
	d_step { base = 0; hw = 0; e = 0 }
}

active proctype planner()
{
	byte base; /* refresh_prev(): the plan the next one builds on */
	byte hw;   /* the highest marker read */
	byte e;    /* the endpoint read */

	do
	:: writes < WRITES -> planner_round(0)
	:: else -> break
	od;
#ifndef NOHWM
	/*
	 * served-check-ms: the planner goes on reading.  The rounds whose
	 * read could find nothing to pass change nothing, and are left out:
	 * a round starts when a marker of its settings is above the newest
	 * plan, or the store has none (a first plan is written at once).
	 */
	do
	:: SERVED_ABOVE -> planner_round(1)
	od
#endif
}
#endif

#ifndef LEGACY
#ifndef MULTI
/*
 * deletable(): more than KEEP older than the pass's plan, not newer than
 * the oldest plan an enactor with a live heartbeat is applying, and
 * neither E's CNAME, its marker nor its rollback record names it (read
 * in that order, each one query).  The heartbeat check may go
 * either way each time it is made: a heartbeat in the store lags the
 * enactor's in_flight by up to heartbeat-ms and a stopped enactor's goes
 * stale, so safety must not rest on it, and the model does not let it.
 */
#ifndef NORBKEEP
#define RB_KEEPS(g) (rb == (g))
#else
#define RB_KEEPS(g) 0 /* cleanup does not read the rollback record */
#endif
inline deletable(g, ok)
{
	ok = 0;
	if
	:: g + KEEP >= n -> skip
	:: else ->
		if
		:: skip /* at or above an in-flight plan: kept */
		:: rcname = ep[0].cname;                   /* referenced(): CNAME, */
		   d_step { rmark = ep[0].mark; rgen = ep[0].gen }; /* marker */
		   d_step { /* and the rollback record */
			ok = !(rcname == g || (rmark && rgen == g) || RB_KEEPS(g));
			rcname = 0; rmark = 0; rgen = 0
		   }
		fi
	fi
}

#if !defined(LEGACY) && !defined(NOFENCE)
/*
 * fence_plan() for the one endpoint, before plan g may go: read its
 * marker; unless above g already, one UPDATE of the marker alone to the
 * pass's plan n (CAS on the marker read); a lost CAS keeps the plan.
 */
inline fence1(g, ok)
{
	d_step { rmark = ep[0].mark; rgen = ep[0].gen };
	if
	:: rmark && rgen > g -> skip
	:: else ->
		d_step {
			if
			:: rmark != ep[0].mark || (ep[0].mark && ep[0].gen != rgen) ->
				ok = 0
			:: else ->
#ifdef CHECK_BACK
				assert(!(ep[0].mark && n < ep[0].gen));
#endif
				ep[0].mark = 1;
				ep[0].gen = n;
				printf("MODEL fence %d E1 %d\n", _pid, n)
			fi
		}
	fi;
	atomic { rmark = 0; rgen = 0 }
}
#endif
#else
/*
 * referenced_names() for endpoint @j, folded into @ok: its CNAME's plan
 * (E A), then its marker (_gen.E TXT), each one query.
 */
inline unreferenced(j, g, ok)
{
	d_step {
		if
		:: ep[j].cname == g -> ok = 0
		:: else
		fi
	};
	d_step {
		if
		:: ep[j].mark && ep[j].gen == g -> ok = 0
		:: else
		fi
	}
}

#ifndef NOFENCE
/*
 * fence_plan(), before a plan g may go: endpoint j of g, read (_gen.E
 * TXT with E A: one read here); unless it is marked above g already, or
 * is one the pass's plan n lacks and authd has nothing of (retired
 * whole), one UPDATE of its marker alone to n (CAS on the marker read,
 * forward only; its CNAME and records stay), and a lost CAS keeps the
 * plan this time.  An enactor still holding an older plan with j in it
 * (read behind, never written, or since left) can no longer move it
 * onto g (its CAS fails, and read again the endpoint is ahead), so what
 * the reads that follow find stays true.
 */
inline fence(j, g, ok)
{
	d_step {
		aok = (ep[j].mark && ep[j].gen > g) ||
		      (!MEMBER(j, nlacks) && !ep[j].mark && ep[j].cname == 0 &&
		       !ep[j].own);
		rmk = ep[j].mark << j;
		rg[j] = ep[j].gen
	};
	if
	:: aok -> skip
	:: else ->
		d_step {
			if
			:: BIT(rmk, j) != ep[j].mark ||
			   (ep[j].mark && ep[j].gen != rg[j]) ->
				rc = R_PREREQ
			:: else ->
#ifdef CHECK_BACK
				assert(!(ep[j].mark && n < ep[j].gen));
#endif
				ep[j].mark = 1;
				ep[j].gen = n;
				printf("MODEL fence %d E%d %d\n", _pid, j + 1, n);
				rc = R_OK
			fi
		};
		if
		:: rc != R_OK -> ok = 0
		:: else
		fi
	fi;
	atomic { aok = 0; rmk = 0; rg[j] = 0; rc = 0 }
}
#endif

/* The walk order's next endpoint of the pass's plan from position p:
 * those in ord first, then the others, each by name; 2 * NEP: none. */
#define WALK_NEXT(p) \
	do \
	:: p < 2 * NEP && !(MEMBER(p % NEP, nlacks) && \
	                    BIT(ord, p % NEP) == (p < NEP)) -> p++ \
	:: else -> break \
	od; \
	i = p % NEP

/*
 * Read endpoint @i as layout_read() does (E A with its CNAME and the
 * addresses it leads to, then _gen.E TXT, each from its own moment) and
 * keep what needs_move() and the CAS need: bit i of need, and of rmk
 * with rg[i] (the marker read).
 */
inline read_endpoint(i)
{
	d_step { /* E A: on plan n, with plan n's addresses */
#ifndef NODIGEST
		aok = ep[i].cname == n && BIT(ep[i].recs, n) &&
		      CONTENT(i, n, ntag)
#else
		aok = ep[i].cname == n && BIT(ep[i].recs, n)
#endif
	};
	d_step { /* _gen.E TXT; up to date, or someone is ahead: no move */
		if
		:: ep[i].mark && (ep[i].gen > n || (ep[i].gen == n && aok)) ->
			need = need & ~(1 << i)
		:: else ->
			need = need | (1 << i);
			if
			:: ep[i].mark -> rmk = rmk | (1 << i); rg[i] = ep[i].gen
			:: else -> rmk = rmk & ~(1 << i); rg[i] = 0
			fi
		fi;
		aok = 0
	}
}
#endif
#endif

active [NE] proctype enactor()
#ifdef GRAIN
	provided (turn == 0 || turn == _pid)
#endif
{
#ifndef MULTI
	byte n;              /* the pass's plan: the newest when it looked */
	byte g;              /* cleanup: the plan considered */
	unsigned list : 16;  /* cleanup: planstore_list() */
	bit rmark;           /* layout_read(): the marker, */
	byte rgen;
	byte rcname;         /* the CNAME's plan, */
	bit raddr;           /* whether E has addresses, */
	byte rrb;            /* the rollback record's plan */
	byte rc;
	byte attempt;
	bit ok;
#else
	byte n;              /* the pass's plan (e->last when RESTORE) */
	byte ntag;           /* its content */
	bit nlacks;          /* it lacks E<NEP> */
	byte m;              /* the newest plan when the pass looked again */
	byte p;              /* the walk: position in walk order */
	byte i;              /* the endpoint at p */
	byte ord;            /* walk_order(): the endpoints that go first */
	byte need;           /* bit i: endpoint i must move (needs_move()) */
	byte rmk;            /* bit i: it had a marker, */
	byte rg[NEP];        /* this one */
	byte retry;          /* bit i: to be retried alone (safe_endpoint()) */
	bit behind;          /* an endpoint the pass left behind */
	bit aok;             /* read_endpoint(): E A as plan n has it */
	byte g;              /* cleanup: the plan considered */
	bit glacks;          /* it lacks E<NEP> */
	unsigned list : 16;  /* cleanup: planstore_list() */
	byte j;
	byte rc;
	byte attempt;
	bit ok;
	bit refused;         /* delete_records(): the guard kept one */
#endif

#ifdef GRAIN
	atomic {
		turn == 0 -> turn = _pid;
		printf("MODEL run %d\n", _pid)
	};
#endif
pass:
#ifndef MULTI
	atomic {
		g = 0; list = 0; rmark = 0; rgen = 0; rcname = 0;
		raddr = 0; rrb = 0; rc = 0; attempt = 0; ok = 0;
#ifdef LEGACY
		n = newest /* planstore_newest() */
#else
		n = 0
#endif
	};
#endif
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
	 * so the pass goes on to report the plan and clean up.  A lock
	 * record past its expiry is taken over (lock_takeable()): its
	 * holder may be delayed for any time, so that may happen whenever
	 * another holds it, and the holder's batch then fails on its
	 * preamble.
	 */
	if
	:: atomic { lock == 0 -> lock = _pid }
	:: atomic { lock != 0 && lock != _pid -> lock = _pid } /* expired */
	:: lock != 0 -> goto walked
	fi;
	rcname = ep[0].cname; /* layout_read() */
	authd_apply(0, n, 0, 0, 0, 0, rcname, 1, 0, rc);
	/* layout_unlock(): the preamble's deletion alone, which fails
	 * unless the record is still ours */
	atomic {
		if
		:: lock == _pid -> lock = 0
		:: else
		fi
	};
	if
	:: rc != R_OK -> goto pass /* a failure: no report, no cleanup */
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
			authd_delete(0, g, rc);
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
#elif !defined(MULTI)
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
	:: attempt == CAS_TRIES + 1 -> goto sweep /* behind: cleanup too */
	:: else ->
		/* layout_read_many(): E A (with the CNAME), then _gen.E
		 * TXT, then _rollback.E CNAME, pipelined on one TCP
		 * connection, which authd answers in order, each from the
		 * snapshot of its moment. */
		raddr = RESOLVES;
		atomic { rmark = ep[0].mark; rgen = ep[0].gen };
#ifdef RBREAD
		d_step { rcname = ep[0].cname; rrb = rb };
#endif
		if
		:: rmark && rgen >= n && raddr -> break /* up to date */
		:: rmark && rgen > n -> break           /* someone is ahead */
		:: else
		fi;
		if
		:: attempt == 0 -> pause(before_endpoint, 0)
		:: else
		fi;
		/* superseded() right before the update: a newer plan first */
		if
		:: newest > n -> goto sweep
		:: else
		fi;
#ifdef RBREAD
		authd_apply(0, n, 0, 1, rmark, rgen, rcname, raddr, rrb, rc);
#else
		authd_apply(0, n, 0, 1, rmark, rgen, ep[0].cname, raddr, rb,
		            rc);
#endif
		if
		:: rc == R_OK -> break
		:: rc == R_PREREQ -> attempt++ /* read again */
		:: rc == R_REFUSED -> goto sweep /* behind: cleanup too */
		fi
	od;
	/* report_plan(), not modelled: safe reads no enactor.applied. */
	/*
	 * safe_cleanup(), after every pass: overtaken by a newer plan or
	 * with the endpoint behind, it runs all the same, and a newer plan
	 * does not interrupt it (what bounds it is the list taken first).
	 */
sweep:
	atomic {
		rmark = 0; rgen = 0; rcname = 0; raddr = 0; rrb = 0; rc = 0;
		attempt = 0
	};
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
			ok = BIT(stored, g); /* planstore_get_plan() */
#ifndef NOFENCE
			if
			:: ok -> fence1(g, ok)
			:: else
			fi;
#endif
			if
			:: ok -> deletable(g, ok) /* checked again right before */
			:: else
			fi;
			if
			:: ok && BIT(stored, g) ->
				authd_delete(0, g, rc);
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
#else
	/*
	 * safe_pass() for several endpoints: planstore_newest(), which is
	 * read again below, then the plan.
	 */
	atomic {
		p = 0; i = 0; ord = 0; behind = 0; retry = 0; g = 0;
		glacks = 0; list = 0; j = 0; rc = 0; attempt = 0; ok = 0;
#if !defined(RESTORE) || !defined(LASTNUM)
		/* The last pass's plan is the store's plan of its number
		 * whenever it is reused: no copy to keep. */
		n = 0; ntag = 0; nlacks = 0
#endif
	};
	if
	:: newest == 0 -> goto pass
	:: else
	fi;
	pause(after_freshness_check, 0);
#ifndef RESTORE
	/* A plan is never deleted while it is the newest: the plan read is
	 * the plan of the number read. */
	atomic { n = newest; nlacks = LACKS(n) };
#else
	m = newest; /* what was newest may have grown, or gone back */
	atomic {
		if
		:: m == 0 -> skip /* emptied meanwhile: nothing to read */
#ifdef LASTNUM
		:: m != 0 && m == n -> skip /* e->last: reused by number */
		:: m != 0 && m != n && BIT(stored, m) ->
#else
		:: m != 0 && BIT(stored, m) ->
#endif
			/* planstore_get_plan() */
			n = m; ntag = ptag[m]; nlacks = LACKS(m)
		:: else -> m = 0 /* it failed: e->last stays */
		fi
	};
	if
	:: m == 0 -> goto pass
	:: else -> m = 0
	fi;
#endif
	/*
	 * The walk, one window: walk_order(), one pipelined read of every
	 * endpoint of the plan, the CAS UPDATEs of those behind in that
	 * order (a pause point before each), then those that met another
	 * writer alone (safe_endpoint(): read again, CAS_TRIES attempts).
	 */
	atomic {
		do
		:: ord < (1 << NEP) - 1 -> ord++
		:: break
		od;
		ord = ord & ~(nlacks << (NEP - 1));
		if
		:: (ord & (ord + 1)) == 0 -> ord = 0 /* by name */
		:: else
		fi;
		WALK_NEXT(p)
	};
	do
	:: p == 2 * NEP -> break
	:: else ->
		read_endpoint(i);
		atomic { p++; WALK_NEXT(p) }
	od;
	atomic { p = 0; WALK_NEXT(p) };
	do
	:: p == 2 * NEP -> break
	:: else ->
		if
		:: BIT(need, i) ->
			pause(before_endpoint, i);
			/* window_flush(): superseded() right before the
			 * updates leave (here before each, as when a pause
			 * point before the endpoint flushes the window) */
			if
			:: newest > n -> behind = 1
			:: else ->
				authd_apply(i, n, ntag, 1, BIT(rmk, i), rg[i],
				            0, 0, 0, rc);
				if
				:: rc == R_PREREQ -> retry = retry | (1 << i)
				:: rc == R_REFUSED -> behind = 1 /* log_refused() */
				:: else
				fi
			fi
		:: else
		fi;
		atomic { rc = 0; rg[i] = 0; p++; WALK_NEXT(p) }
	od;
	atomic { need = 0; rmk = 0; p = 0; WALK_NEXT(p) };
	do
	:: p == 2 * NEP -> break
	:: else ->
		if
		:: BIT(retry, i) ->
			do
			:: attempt == CAS_TRIES -> behind = 1; break
			:: else ->
				read_endpoint(i);
				if
				:: !BIT(need, i) -> break
				:: newest > n -> behind = 1; break /* superseded() */
				:: else
				fi;
				authd_apply(i, n, ntag, 1, BIT(rmk, i), rg[i], 0, 0, 0,
				            rc);
				if
				:: rc == R_OK -> break
				:: rc == R_PREREQ -> attempt++
				:: rc == R_REFUSED -> behind = 1; break
				fi
			od
		:: else
		fi;
		atomic {
			rc = 0; attempt = 0; need = 0; rmk = 0; rg[i] = 0;
			p++; WALK_NEXT(p)
		}
	od;
	atomic { p = 0; i = 0; ord = 0; retry = 0 };
	/* safe_cleanup(), after every pass: endpoints behind or not */
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
		if
		:: g + KEEP < n ->
			if
			:: skip /* in use at the one scan, or in flight */
			:: pause(before_delete, g);
			   if
			   :: skip /* deletable(): in flight after all */
			   :: /* planstore_get_plan() */
			      atomic {
			         ok = BIT(stored, g);
			         glacks = LACKS(g)
			      };
#ifndef NOFENCE
			      /* fence_plan(): every endpoint of plan g */
			      do
			      :: j < NEP && ok ->
			         if
			         :: MEMBER(j, glacks) -> fence(j, g, ok)
			         :: else
			         fi;
			         j++
			      :: else -> break
			      od;
			      j = 0;
#endif
			      /* deletable(): every endpoint of the plan */
			      do
			      :: j < NEP && ok ->
			         if
			         :: MEMBER(j, nlacks) -> unreferenced(j, g, ok)
			         :: else
			         fi;
			         j++
			      :: else -> break
			      od;
			      j = 0;
#if defined(LEAVE) && !defined(NOOWN)
			      /* unreferenced_by_own(): the candidate's
			       * endpoints the newest plan lacks */
			      if
			      :: ok && !glacks && nlacks ->
			         unreferenced(NEP - 1, g, ok)
			      :: else
			      fi;
#endif
			      /* delete_records(): one window, every
			       * endpoint of plan g; a refusal keeps the
			       * plan in the store, the rest go */
			      do
			      :: ok && j < NEP ->
			         if
			         :: MEMBER(j, glacks) ->
			            authd_delete(j, g, rc);
			            if
			            :: rc != R_OK -> refused = 1
			            :: else
			            fi
			         :: else
			         fi;
			         j++
			      :: else -> break
			      od;
			      if
			      :: ok && !refused -> store_delete(g)
			      :: else
			      fi
			   fi
			fi
		:: else
		fi;
		atomic {
			ok = 0; rc = 0; j = 0; glacks = 0; refused = 0;
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

#ifdef RESTORE
/*
 * The operator's fault: at any moment a copy of the store may be taken,
 * and the store replaced by the last copy taken or by an empty one,
 * RESTORE times at most and while the planner has writes to make.
 * authd and the enactors (their e->last too) are not restored.
 */
active proctype restore()
{
	do
	:: atomic { epoch < RESTORE && writes < WRITES ->
		if
		:: d_step { /* a copy is taken */
			bnewest = newest;
			bstored = stored;
#ifdef LEAVE
			blacks = lacks;
#endif
			bcounter = counter;
			k = 0;
			do
			:: k <= MAXGEN -> bptag[k] = ptag[k]; k++
			:: else -> break
			od;
			k = 0
		   }
		:: d_step { /* the copy put back */
			newest = bnewest;
			stored = bstored;
#ifdef LEAVE
			lacks = blacks;
#endif
			counter = bcounter;
			k = 0;
			do
			:: k <= MAXGEN -> ptag[k] = bptag[k]; k++
			:: else -> break
			od;
			k = 0;
			epoch++;
			printf("MODEL restore %d\n", newest)
		   }
		:: d_step { /* an empty store */
			newest = 0;
			stored = 0;
#ifdef LEAVE
			lacks = 0;
#endif
			counter = 0;
			k = 0;
			do
			:: k <= MAXGEN -> ptag[k] = 0; k++
			:: else -> break
			od;
			k = 0;
			epoch++;
			printf("MODEL restore 0\n")
		   }
		fi }
	:: else -> break
	od
}
#endif
