# The technician step's tick, compiled (included by _kernels.pyx).
#
# The compiled twin of ``_on_tick`` in twin.stream.technician with what it calls in
# twin.stream.refresh: the chain ahead (``chain_ahead``), the anchor and whether a due
# refresh can change anything (``anchor_of``, ``stale_anchor``), the ETA chain
# (``route_etas``), the day-end check (``first_unreachable``) and the publishing loop
# (``_publish``: the hysteresis against the last published ETAs, the delay rule's quiet
# case, the ``EtaUpdated`` events with their ids and clock times). What is rare stays in
# Python and is called back: a visit's biased estimate not yet memoised, a visit moved to
# another day, and a visit that is alerted or at risk (the delay rule with its alert,
# warning and replan request). The same numbers in the same order as the Python path, and
# the same events in the same order (tested on recorded days).

from cpython.mem cimport PyMem_Calloc
from cpython.object cimport PyObject_GenericSetAttr
from cpython.ref cimport PyObject, Py_INCREF, Py_XDECREF
from datetime import timezone as _timezone

cdef object _UTC = _timezone.utc
cdef object _new_object = object.__new__
cdef Py_ssize_t _TIMES_LIMIT = 200_000  # as twin.clock.CACHE_LIMIT: a day has 86,400 s
# the clock's times of the day before, the day and the two after, by whole second from the
# midnight before: an array slot per second (2.8 MB, filled as asked), where a dictionary
# keyed by the second paid a hash and three cache misses for each of the three times of
# an ``EtaUpdated``; other times go through the dictionary
cdef long long _SECONDS_FROM = -86_400
cdef Py_ssize_t _SECONDS = 4 * 86_400


cdef class TickConfig:
    """What the compiled tick reads of one brain's parameters (read once per brain), and
    the Python functions it calls back."""

    cdef readonly object params
    cdef LegKernel kernel
    cdef object roster, clock_at, calibration
    cdef double every, hysteresis, threshold, rearm_below, drift, max_age, cooldown
    cdef double travel_cv, lead
    cdef double brk_len, brk_after, z90, tail_min, absent, absent_min
    cdef bint defer, replanning, fast_done
    cdef str depot_prefix
    cdef object biased_estimate, judged, deferred, tick_done, eta_updated, eta_cls, visit_eta
    cdef object tick_cls, position_cls, traffic_cls
    cdef dict times
    cdef PyObject** seconds  # the clock's times by second from _SECONDS_FROM (owned)

    def __init__(
        self, params, *, biased_estimate, judged, deferred, tick_done, eta_updated, eta_cls,
        visit_eta, tick_cls, position_cls, traffic_cls, depot_prefix, double z90,
        double tail_min, bint fast_done,
    ):
        self.params = params
        self.kernel = params.travel.kernel
        self.roster, self.clock_at = params.roster, params.clock.at
        cal = self.calibration = params.eta_calibration
        rule = params.delay_rule
        self.every, self.hysteresis = params.eta_every_min, params.eta_hysteresis_min
        self.threshold, self.replanning, self.cooldown = (
            rule.threshold, rule.replanning, rule.cooldown_min
        )
        self.rearm_below = rule.threshold - rule.rearm_margin  # as judge_delay computes it
        self.drift, self.max_age = params.eta_drift_min, params.eta_max_age_min
        self.travel_cv, self.brk_len, self.brk_after = (
            params.travel_cv, params.brk.length_min, params.brk.after_min
        )
        self.defer, self.lead = params.defer_unreachable, params.defer_lead_min
        self.absent = cal.absent_share if cal is not None else 0.0
        self.absent_min = cal.absent_min if cal is not None else 0.0
        self.z90, self.tail_min, self.depot_prefix = z90, tail_min, depot_prefix
        self.biased_estimate, self.judged, self.deferred = biased_estimate, judged, deferred
        self.tick_done, self.eta_updated, self.eta_cls = tick_done, eta_updated, eta_cls
        self.visit_eta, self.tick_cls, self.position_cls = visit_eta, tick_cls, position_cls
        self.traffic_cls, self.fast_done = traffic_cls, fast_done
        self.times = {}

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self.seconds is not NULL:
            for i in range(_SECONDS):
                Py_XDECREF(self.seconds[i])
            PyMem_Free(self.seconds)

    def at(self, double minutes):
        """``params.clock.at(minutes)``, as the compiled tick converts its times."""
        return _at(self, minutes)

    def tick(self, state, tick):
        """``_on_tick(state, tick, params)``: the decisions of one tick, ``TickDone`` last."""
        out = []
        _tick(state, tick, self, out)
        return out

    def batch(self, state, items, step):
        """``tech_batch``: ticks, GPS positions and traffic here (traffic without the
        clock's conversion of its time, which only fills the clock's cache), every other
        item through ``step`` (``tech_step``)."""
        out = []
        tick_cls, position_cls, traffic_cls = self.tick_cls, self.position_cls, self.traffic_cls
        params = self.params
        for item in items:
            kind = type(item)
            if kind is tick_cls:
                _tick(state, item, self, out)
            elif kind is position_cls:
                state.x, state.y = item.x, item.y
            elif kind is traffic_cls:
                state.dirty = True
                if item.factor >= 1.0:
                    state.incidents.pop(item.zone, None)
                else:
                    state.incidents[item.zone] = item.factor
            else:
                out.extend(step(state, item, params))
        return out


cdef int _tick(state, tick, TickConfig cfg, list out) except -1:
    minute_obj = tick.minute
    cdef double minute = minute_obj
    if state.dirty or minute - <double>state.last_eta_at >= cfg.every:
        if state.activity != "ended":
            _due(state, tick, minute, state.dirty, cfg, out)
        state.dirty = False
        state.last_eta_at = minute_obj
    if cfg.fast_done:  # TickDone(minute, key), its two slots set directly
        done = _new_object(cfg.tick_done)
        _put(_DONE, done, 0, minute_obj)
        _put(_DONE, done, 1, state.tid)
        out.append(done)
    else:
        out.append(cfg.tick_done(minute_obj, state.tid))
    return 0


cdef object _biased(state, task, TickConfig cfg):
    vid = _get(_VISIT, task, _ID)
    est = (<dict>state.biased).get(vid)
    if est is None:
        est = cfg.biased_estimate(state, vid, task, cfg.params)
    return est


cdef int _due(state, tick, double minute, bint dirty, TickConfig cfg, list out) except -1:
    """``chain_ahead``, then ``anchor_of`` or ``stale_anchor``, then ``refresh``."""
    cdef double free_at = minute, sd = 0.0, rest, d, dist, arrive, gap, present
    cdef bint taken = state.break_taken
    chain = state.route
    deferred = state.deferred
    if deferred:  # until the world's echo takes them off the route (never, in replay)
        chain = tuple([v for v in chain if v.visit_id not in deferred])
    activity, current = state.activity, state.current
    if activity == "travel" and current is not None:
        chain = (current,) + tuple(chain)
    elif activity == "work" and current is not None:
        _remaining(
            _biased(state, current, cfg), minute - <double>state.since, cfg.z90,
            cfg.tail_min, &rest, &sd,
        )
        free_at = minute + rest
    elif activity == "idle" and current is not None:
        est = _biased(state, current, cfg)
        d = _getd(_VISIT, current, _WS)
        free_at = d if d > minute else minute
        if cfg.absent > 0.0:  # on_site: the absent customer's mixture
            present = 1.0 - cfg.absent
            gap = _getd(_EST, est, _MEAN) - cfg.absent_min
            rest = present * _getd(_EST, est, _P50) + cfg.absent * cfg.absent_min
            d = _getd(_EST, est, _SD)
            sd = sqrt(present * d * d + cfg.absent * present * gap * gap)
        else:
            rest, sd = _getd(_EST, est, _P50), _getd(_EST, est, _SD)
        free_at = free_at + rest
    elif activity == "break":
        d = <double>state.since + cfg.brk_len
        free_at = d if d > minute else minute
        taken = True
    elif activity == "off":
        d = cfg.roster[state.tid].shift_start
        free_at = d if d > minute else minute
    if not chain:
        return 0
    if type(chain) is not tuple:
        chain = tuple(chain)
    cdef double x = state.x, y = state.y
    v = chain[0]
    arrive = free_at + cfg.kernel._leg_minutes(
        x, y, _getd(_VISIT, v, _X), _getd(_VISIT, v, _Y), free_at, state.incidents, &dist
    )
    if not dirty and not (
        minute - <double>state.refreshed_at >= cfg.max_age
        or _replan_due(state, minute, chain, current, cfg)
    ):
        ref_arrive, ref_sd = state.anchor
        if fabs(arrive - <double>ref_arrive) < cfg.drift and fabs(sd - <double>ref_sd) < cfg.drift:
            return 0
    state.refreshed_at, state.anchor = tick.minute, (arrive, sd)
    _refresh(state, tick, minute, chain, x, y, free_at, sd, taken, current, cfg, out)
    return 0


cdef bint _replan_due(state, double minute, chain, current, TickConfig cfg) except -1:
    """Whether a visit ahead is alerted and its replan cooldown ran out."""
    alerted = state.alerted
    if not alerted or not cfg.replanning:
        return False
    replan_at = state.replan_at
    current_id = current.visit_id if current is not None else None
    for v in chain:
        vid = _get(_VISIT, v, _ID)
        if (
            (<dict>alerted).get(vid, False)
            and not vid == current_id
            and minute - <double>(<dict>replan_at).get(vid, -INFINITY) >= cfg.cooldown
        ):
            return True
    return False


cdef int _refresh(
    state, tick, double minute, tuple chain, double x, double y, double free_at, double sd,
    bint taken, current, TickConfig cfg, list out,
) except -1:
    biased = state.biased
    for v in chain:
        vid = _get(_VISIT, v, _ID)
        if vid not in biased:  # fills state.biased for every visit ahead
            cfg.biased_estimate(state, vid, v, cfg.params)
    spec = cfg.roster[state.tid]
    cdef Py_ssize_t k, n = len(chain)
    cdef _Etas etas = _Etas(n)
    _chain(
        etas, x, y, free_at, sd, minute, not taken and cfg.brk_len > 0, cfg.brk_len,
        spec.shift_start + cfg.brk_after, chain, biased, cfg.kernel, cfg.travel_cv,
        state.incidents, cfg.calibration, cfg.z90,
    )
    now = tick.time
    current_id = current.visit_id if current is not None else None
    if cfg.defer:
        k = _unreachable(chain, etas.low, n, spec, cfg.kernel, current_id, minute, cfg.lead)
        if k >= 0:
            # the ETAs from there on counted the visit that will not happen
            out.append(cfg.deferred(state, now, chain[k]))
            n = k
            state.dirty = True
    _publish(state, tick, now, chain, etas, n, current_id, cfg, out)
    return 0


cdef object _at(TickConfig cfg, double minutes):
    """``clock.at(minutes)``: looked up by the whole second (``round``, half to even, as
    the clock rounds), made by the clock the first time."""
    cdef double s = minutes * 60.0, r
    cdef PyObject* held
    if not -1e15 < s < 1e15:  # not finite, or far beyond any day: the clock's own refusal
        return cfg.clock_at(minutes)
    r = c_round(s)
    if fabs(s - r) == 0.5:
        r = 2.0 * c_round(s / 2.0)
    cdef long long key = <long long>r
    cdef long long i = key - _SECONDS_FROM
    if 0 <= i < _SECONDS:
        if cfg.seconds is NULL:
            cfg.seconds = <PyObject**>PyMem_Calloc(_SECONDS, sizeof(PyObject*))
            if cfg.seconds is NULL:
                raise MemoryError()
        held = cfg.seconds[i]
        if held is not NULL:
            return <object>held
        found = cfg.clock_at(minutes)
        Py_INCREF(found)
        cfg.seconds[i] = <PyObject*>found
        return found
    found = cfg.times.get(key)
    if found is None:
        found = cfg.clock_at(minutes)
        if len(cfg.times) >= _TIMES_LIMIT:
            cfg.times.clear()
        cfg.times[key] = found
    return found


cdef object _eta_event(cls, ident, now, vid, tid, low, eta, high):
    """``EtaUpdated(...)`` with its slots set directly (``twin.events.fast.eta_updated``)."""
    e = _new_object(cls)
    _put(_ETA, e, 0, ident)
    _put(_ETA, e, 1, now)
    _put(_ETA, e, 2, vid)
    _put(_ETA, e, 3, tid)
    _put(_ETA, e, 4, low)
    _put(_ETA, e, 5, eta)
    _put(_ETA, e, 6, high)
    return e


cdef _Slots _DONE = _Slots(("minute", "key"))
cdef _Slots _ETA = _Slots(("id", "time", "visit_id", "technician_id", "eta_low", "eta", "eta_high"))


cdef inline int _put(_Slots s, obj, int i, value) except -1:
    """``object.__setattr__(obj, s.names[i], value)``, into the slot where it sits."""
    cdef PyObject** p
    cdef PyObject* old
    cls = type(obj)
    if cls is not s.cls and not s.learn(cls):
        return PyObject_GenericSetAttr(obj, s.names[i], value)
    p = <PyObject**>((<char*><PyObject*>obj) + s.offsets[i])
    old = p[0]
    Py_INCREF(value)
    p[0] = <PyObject*>value
    Py_XDECREF(old)
    return 0


cdef int _publish(
    state, tick, now, tuple chain, _Etas etas, Py_ssize_t n, current_id, TickConfig cfg,
    list out,
) except -1:
    """``_publish``: ETA updates past the hysteresis; the rest of the delay rule only for
    visits alerted or at risk (called back)."""
    cdef dict last_eta = state.last_eta, alerted = state.alerted, replan_at = state.replan_at
    cdef long long seq = state.seq
    cdef double minute = tick.minute
    cdef Py_ssize_t i
    cdef double eta
    cdef str vid, prefix = state.id_prefix, depot = cfg.depot_prefix
    tid = state.tid
    fast = now.tzinfo is _UTC  # else the constructor checks the time
    for i in range(n):
        v = chain[i]
        vid = _get(_VISIT, v, _ID)
        if vid.startswith(depot):  # a planned depot stop: it times the chain, nobody is told
            continue
        eta = etas.eta[i]
        last = last_eta.get(vid)
        if last is None or fabs(eta - <double>last) >= cfg.hysteresis:
            last_eta[vid] = eta
            seq += 1
            ident = f"{prefix}{seq:06d}"
            low, mid, high = _at(cfg, etas.low[i]), _at(cfg, eta), _at(cfg, etas.high[i])
            if fast:
                out.append(_eta_event(cfg.eta_cls, ident, now, vid, tid, low, mid, high))
            else:
                out.append(cfg.eta_updated(ident, now, vid, tid, low, mid, high))
        was = alerted.get(vid, False) if alerted else False
        if not was:
            if etas.p_late[i] < cfg.threshold:
                continue  # the rule's quiet case: no alert, no replan, nothing to remember
        elif not etas.p_late[i] < cfg.rearm_below and not (
            cfg.replanning
            and not vid == current_id
            and minute - <double>replan_at.get(vid, -INFINITY) >= cfg.cooldown
        ):
            continue  # alerted and stays so, no replan due: nothing changes either
        state.seq = seq
        e = tuple.__new__(cfg.visit_eta, (vid, etas.low[i], eta, etas.high[i], etas.p_late[i]))
        out.extend(cfg.judged(state, cfg.params, tick, v, e, was, current_id))
        seq = state.seq
    state.seq = seq
    return 0
