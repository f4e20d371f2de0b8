# Included by _kernels.pyx (one extension module); reads LegKernel, _leg_z, _packed_of and
# the PACK slots from it.
#
# The insertion search (``best_insertion`` of twin.models.routing.insertion) in one call:
# every candidate's positions priced by push-forward (``priced_positions``), the cheapest
# few kept in C arrays in the order of the reference's sort key (cost, technician id,
# position), then the exact re-timing of each kept position (what ``route_timeline`` of
# the route with the visit put in computes, without building its stops or a Timeline)
# until one passes. The reference built a list of tuples of every position, sorted it and
# built a route, a dict and a Timeline of named tuples per exact check: objects allocated
# and read back per search, a cost that grew with the company's working set.

DEF TOP_MAX = 16  # the most positions a search keeps for its exact checks


cdef struct _Top:  # the ``k`` cheapest priced positions so far, by (cost, id rank, position)
    int size
    int k
    double cost[TOP_MAX]
    int rank[TOP_MAX]
    int cand[TOP_MAX]
    Py_ssize_t pos[TOP_MAX]


cdef inline bint _before(double c1, int r1, Py_ssize_t p1, double c2, int r2, Py_ssize_t p2):
    """(c1, r1, p1) < (c2, r2, p2) as Python compares tuples (equal first items skipped)."""
    if c1 != c2:
        return c1 < c2
    if r1 != r2:
        return r1 < r2
    return p1 < p2


cdef inline void _push(_Top* top, double cost, int rank, int cand, Py_ssize_t pos):
    """Keep the entry if it is among the ``k`` least; an equal key goes after the entries
    already held (the reference's sort is stable over the order they were priced in)."""
    cdef int i = top.size, j
    while i > 0 and _before(cost, rank, pos, top.cost[i - 1], top.rank[i - 1], top.pos[i - 1]):
        i -= 1
    if i >= top.k:
        return
    j = top.size if top.size < top.k else top.k - 1
    while j > i:
        top.cost[j], top.rank[j] = top.cost[j - 1], top.rank[j - 1]
        top.cand[j], top.pos[j] = top.cand[j - 1], top.pos[j - 1]
        j -= 1
    top.cost[i], top.rank[i], top.cand[i], top.pos[i] = cost, rank, cand, pos
    if top.size < top.k:
        top.size += 1


cdef int _price_route(
    LegKernel kernel, const _Row* r, visit, object inc, double w_travel, double w_late,
    double w_over, bint allow_late, double end_limit, double strict_limit, list out,
    _Top* top_all, _Top* top_strict, int rank, int cand,
) except -1:
    """Price every position of one candidate's route (``_priced_positions``, operation
    for operation): appended to ``out`` as (cost, position, strict), or, when ``out`` is
    None, offered to ``top_all`` (and the strict ones to ``top_strict`` unless it is
    NULL)."""
    cdef Py_ssize_t pos, k, n = r.n_stops
    cdef const double* p = r.stops
    cdef double vx = visit.x, vy = visit.y, ws = visit.window_start, we = visit.window_end
    cdef double dur = visit.duration_min
    cdef double home_x = r.home_x, home_y = r.home_y, shift_end = r.shift_end
    cdef double before_end = r.end, before_over = r.overtime_min
    cdef double free_at = r.free_at, st_x = r.x, st_y = r.y
    cdef double t, px, py, tt_in, arrive, start, late, end, extra_late, tt_out, d_travel
    cdef double shift, v_end, new_start, old_late, new_late, s_start, new_end, back_old
    cdef double back_new, over, d_over, cost, dist
    cdef int zv = kernel._zone(vx, vy), zp, z_home = r.z_home
    cdef const double* q
    cdef bint ok, strict
    for pos in range(n + 1):
        if pos:
            q = p + (pos - 1) * PACK
            t, px, py, zp = q[P_END], q[P_X], q[P_Y], <int>q[P_ZONE]
        else:
            t, px, py = free_at, st_x, st_y
            zp = kernel._zone(px, py)
        if not allow_late and t > we:
            break  # all later positions start even later
        tt_in = _leg_z(kernel, zp, px, py, zv, vx, vy, t, inc, &dist)
        arrive = t + tt_in
        start = ws if ws > arrive else arrive
        late = start - we if start > we else 0.0
        if late and not allow_late:
            continue
        end = start + dur
        extra_late = 0.0
        if pos < n:
            q = p + pos * PACK
            tt_out = _leg_z(kernel, zv, vx, vy, <int>q[P_ZONE], q[P_X], q[P_Y], end, inc, &dist)
            d_travel = tt_in + tt_out - q[P_TRAVEL]
            shift = end + tt_out - q[P_ARRIVE]
            ok = True
            for k in range(pos, n):
                if shift <= 0:
                    break
                q = p + k * PACK
                v_end = q[P_WE]
                arrive = q[P_ARRIVE] + shift
                new_start = q[P_WS]
                if not new_start > arrive:
                    new_start = arrive
                s_start = q[P_START]
                old_late = s_start - v_end if s_start > v_end else 0.0
                new_late = new_start - v_end if new_start > v_end else 0.0
                if new_late > old_late:
                    if not allow_late:
                        ok = False
                        break
                    extra_late += new_late - old_late
                shift = new_start - s_start
            if not ok:
                continue
            new_end = before_end + (shift if shift > 0.0 else 0.0)
        else:
            back_old = before_end - (p[(n - 1) * PACK + P_END] if n else free_at)
            # kernel.travel_min(vx, vy, home_x, home_y, end): no incidents on the way home
            back_new = _leg_z(kernel, zv, vx, vy, z_home, home_x, home_y, end, None, &dist)
            d_travel = tt_in + back_new - back_old
            new_end = end + back_new
        if new_end > end_limit:
            continue
        over = new_end - shift_end
        d_over = (over if over > 0.0 else 0.0) - before_over
        cost = w_travel * d_travel + w_late * (late + extra_late) + w_over * d_over
        strict = not late and not extra_late and new_end <= strict_limit
        if out is not None:
            out.append((cost, pos, strict))
        else:
            _push(top_all, cost, rank, cand, pos)
            if strict and top_strict != NULL:
                _push(top_strict, cost, rank, cand, pos)
    return 0


cdef bytes _row_of(LegKernel kernel, spec, st, before, rv, _Row* r):
    """A row of a technician's ``spec`` and state ``st`` with the timeline ``before`` (the
    tests' way in: the search itself reads the rows ``CandidateRows`` keeps), borrowing
    their objects; returns the packed stops ``r.stops`` points into: ``before.packed``,
    or its stops packed with the route's visits ``rv`` when it has none."""
    packed = before.packed
    stops = before.stops
    if len(packed) != len(stops) * PACK * sizeof(double):
        packed = _packed_of(kernel, stops, rv)
    memset(r, 0, sizeof(_Row))
    r.stops = <double*>PyBytes_AS_STRING(packed)
    r.n_stops = len(stops)
    r.x, r.y, r.free_at, r.break_taken = st.x, st.y, st.free_at, st.break_taken
    r.home_x, r.home_y, r.shift_start = spec.home_x, spec.home_y, spec.shift_start
    r.shift_end, r.max_end = spec.shift_end, spec.max_end
    r.z_home = kernel._zone(r.home_x, r.home_y)
    r.end, r.travel_min, r.late_min = before.end, before.travel_min, before.late_min
    r.overtime_min, r.n_late, r.feasible = before.overtime_min, before.n_late, before.feasible
    r.spec, r.key_st = <PyObject*>spec, <PyObject*>st
    return packed


def priced_positions(
    state,
    tid,
    visit,
    before,
    LegKernel kernel,
    weights,
    bint allow_late,
    double end_limit,
    double strict_limit,
):
    """See ``_priced_positions`` in :mod:`twin.models.routing.insertion`; reads the route
    from ``before.packed`` (the same numbers as the plan's visits and the stops hold)."""
    cdef _Row r
    visits = state.visits
    rv = [visits[v] for v in state.routes.get(tid, ())]
    packed = _row_of(kernel, state.technicians[tid], state.status[tid], before, rv, &r)
    cdef list out = []
    _price_route(
        kernel, &r, visit, state.incidents, weights.travel, weights.late, weights.overtime,
        allow_late, end_limit, strict_limit, out, NULL, NULL, 0, 0,
    )
    return out


cdef long _retime(
    LegKernel kernel, spec, st, route, known, visit, Py_ssize_t pos, double brk_len,
    double brk_after, object incidents, double* res,
) except -1:
    """``route_timeline(spec, st, route with visit at pos, ...)`` reduced to what the
    exact check reads: returns ``n_late``; ``res`` gets end, travel_min, late_min,
    overtime_min and feasible (1.0 or 0.0). The route's visits are looked up in ``known``
    as the reference's small dict holds them (the new visit wins over a namesake)."""
    cdef double t = st.free_at, x = st.x, y = st.y
    cdef bint break_due = not st.break_taken and brk_len > 0
    cdef double break_at = spec.shift_start + brk_after
    cdef double travel_total = 0.0, late = 0.0, vx, vy, ws, we, dist, tt, arrive, start, end
    cdef double t_home, home, over
    cdef long n_late = 0
    cdef int z = kernel._zone(x, y), zv
    cdef Py_ssize_t n = len(route), i
    cdef bint skills_ok = True
    skills = spec.skills
    vid_new = visit.visit_id
    for i in range(n + 1):
        if i == pos:
            v = visit
        else:
            vid = route[i if i < pos else i - 1]
            v = known[vid]
            if vid == vid_new:
                v = visit
        if break_due and t >= break_at:
            t += brk_len
            break_due = False
        vx, vy = v.x, v.y
        zv = kernel._zone(vx, vy)
        tt = _leg_z(kernel, z, x, y, zv, vx, vy, t, incidents, &dist)
        arrive = t + tt
        ws, we = v.window_start, v.window_end
        start = ws if ws > arrive else arrive
        end = start + <double>v.duration_min
        if start > we:
            late += start - we
            n_late += 1
        if skills_ok and v.skill not in skills:
            skills_ok = False
        travel_total += tt
        t, x, y, z = end, vx, vy, zv
    if break_due and t > break_at:
        t += brk_len
    cdef double home_x = spec.home_x, home_y = spec.home_y
    t_home = _leg_z(kernel, z, x, y, kernel._zone(home_x, home_y), home_x, home_y, t, None, &home)
    end = t + t_home
    over = end - <double>spec.shift_end
    res[0] = end
    res[1] = travel_total + t_home
    res[2] = late
    res[3] = over if over > 0.0 else 0.0
    res[4] = 1.0 if end <= <double>spec.max_end and skills_ok else 0.0
    return n_late


cdef long _retime_packed(
    LegKernel kernel, const _Row* r, visit, Py_ssize_t pos, double brk_len, double brk_after,
    object incidents, double* res,
) except -1:
    """``_retime`` with the route's visits read from its packed stops (places, windows,
    own durations, zones: one contiguous buffer instead of a visit object and its floats
    per stop, the reads that grew dearer with the plan's size): the walk of
    ``_walk_packed`` without its stops. ``res[4]`` is only ``end <= max_end``: the skills
    are the caller's (:func:`_route_skills_ok`)."""
    cdef _Walked w
    _walk_packed(kernel, r, visit, pos, brk_len, brk_after, incidents, NULL, &w)
    res[0], res[1], res[2], res[3] = w.end, w.travel_min, w.late_min, w.overtime_min
    res[4] = 1.0 if w.feasible else 0.0
    return w.n_late


cdef bint _route_skills_ok(const _Row* r, route, known, visit) except -1:
    """Whether the technician has the skill of every visit of the route with ``visit``
    put in: the current timeline's ``feasible`` tells it for the route when its day ends
    by ``max_end`` (``feasible`` is that and the skills); else the visits are looked up."""
    skills = (<object>r.spec).skills
    if visit.skill not in skills:
        return False
    if r.end <= r.max_end:
        return r.feasible != 0
    return all(known[v].skill in skills for v in route)


cdef object _first_exact(
    _Top* top, LegKernel kernel, Candidates cands, known, visit, double brk_len,
    double brk_after, object inc, double w_travel, double w_late, double w_over,
    bint allow_late, bint allow_overtime,
):
    """``_exact`` over the kept positions: (technician id, position, cost) of the first
    that passes the exact re-timing, or None. A visit new to the plan (the bookings) is
    re-timed from the packed stops; one the plan already holds (it may sit on a route,
    where the reference's small dict puts the new task in its place) from the plan."""
    cdef int i, c
    cdef long n_late
    cdef double res[5]
    cdef const _Row* r
    cdef bint new = visit.visit_id not in known
    for i in range(top.size):
        c = top.cand[i]
        r = cands.row(c)
        if new:
            n_late = _retime_packed(kernel, r, visit, top.pos[i], brk_len, brk_after, inc, res)
            if res[4] != 0.0 and not _route_skills_ok(r, <object>r.route, known, visit):
                res[4] = 0.0
        else:
            n_late = _retime(
                kernel, <object>r.spec, <object>r.key_st, <object>r.route, known, visit,
                top.pos[i], brk_len, brk_after, inc, res,
            )
        if res[4] == 0.0 or (not allow_late and n_late > r.n_late):
            continue
        if not allow_overtime and res[0] > r.shift_end:
            continue
        cost = (
            w_travel * (res[1] - r.travel_min)
            + w_late * (res[2] - r.late_min)
            + w_over * (res[3] - r.overtime_min)
        )
        return cands.tids[c], top.pos[i], cost
    return None


def best_search(
    state,
    visit,
    Candidates cands,
    weights,
    bint allow_late,
    bint allow_overtime,
    bint fallback,
    int checks,
):
    """See ``_searched`` in :mod:`twin.models.routing.insertion`: (technician id,
    position, cost) of the cheapest feasible insertion over the rows ``cands`` (from
    ``CandidateRows.lookup`` of this ``state``), or None."""
    if not 0 < checks <= TOP_MAX:
        raise ValueError(f"best_search: checks must be 1 to {TOP_MAX}, got {checks}")
    if fallback:
        allow_late = allow_overtime = True
    cdef _Top top_all, top_strict
    top_all.size = top_strict.size = 0
    top_all.k = top_strict.k = checks
    cdef CandidateRows rows = cands._rows
    cdef LegKernel kernel = rows._kernel
    inc = state.incidents
    cdef double w_travel = weights.travel, w_late = weights.late, w_over = weights.overtime
    cdef Py_ssize_t c
    cdef const _Row* r
    for c in range(cands.n):
        r = cands.row(c)
        _price_route(
            kernel, r, visit, inc, w_travel, w_late, w_over, allow_late,
            r.max_end if allow_overtime else r.shift_end, r.shift_end, None, &top_all,
            &top_strict if fallback else NULL, cands.of[c].rank, c,
        )
    known = state.visits
    if fallback:
        found = _first_exact(
            &top_strict, kernel, cands, known, visit, rows._brk_len, rows._brk_after, inc,
            w_travel, w_late, w_over, False, False,
        )
        if found is not None:
            return found
    return _first_exact(
        &top_all, kernel, cands, known, visit, rows._brk_len, rows._brk_after, inc, w_travel,
        w_late, w_over, allow_late, allow_overtime,
    )
