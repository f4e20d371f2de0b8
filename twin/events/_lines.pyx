# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The log's lines encoded in C: the same bytes as :mod:`twin.events.writer`'s encoders.

A block of events is written into one growing buffer of UTF-8 bytes, each line followed by
``\\n``; every line is also made a ``str`` (the log's lines are kept in memory) and the
block's bytes are returned with them, so that the writer need not join and encode them
again. An event is written field by field from its class's plan (:func:`twin.events.codec`
builds it: the line's head, each field's name, key and null text): strings quoted as
``json.encoder.encode_basestring`` quotes them (non-ASCII kept), floats as
``float.__repr__`` (``PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0)``), ints as
``int.__repr__``, UTC datetimes as ``format_time`` writes them, tuples as lists and the
dataclasses inside events (a plan's routes) as objects, as ``codec._encode`` writes them.
An event holding anything else (a float that is not finite, a subclass, a lone surrogate, a
datetime not in the ``UTC`` zone) is encoded by the ``fallback`` given (the Python
encoder); ``tests/test_events_lines.py`` holds the two equal.

A second extension module, not an include of ``twin.models._kernels``: the event schema's
package must not import ``twin.models`` (dependencies point the other way), and the build
of the models' kernels stays as it is.
"""

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.datetime cimport (
    PyDateTime_CheckExact,
    datetime_tzinfo,
    datetime_year,
    datetime_month,
    datetime_day,
    datetime_hour,
    datetime_minute,
    datetime_second,
    datetime_microsecond,
    import_datetime,
)
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.object cimport PyObject, PyObject_GetAttr
from cpython.ref cimport Py_INCREF
from cpython.list cimport PyList_New, PyList_SET_ITEM
from libc.math cimport isfinite
from libc.string cimport memcpy, strlen

import datetime as _datetime
import types as _types

cdef extern from "Python.h":
    bint PyUnicode_CheckExact(object o)
    bint PyLong_CheckExact(object o)
    bint PyFloat_CheckExact(object o)
    bint PyTuple_CheckExact(object o)
    bint PyUnicode_IS_ASCII(object o)
    int PyUnicode_KIND(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    unsigned int PyUnicode_READ(int kind, void *data, Py_ssize_t index)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    object PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)
    const char *PyUnicode_AsUTF8AndSize(object o, Py_ssize_t *size) except NULL
    double PyFloat_AS_DOUBLE(object o)
    long long PyLong_AsLongLongAndOverflow(object o, int *overflow) except? -1
    char *PyOS_double_to_string(double val, char format_code, int precision, int flags,
                                int *ptype) except NULL
    int Py_DTSF_ADD_DOT_0

cdef extern from "structmember.h":
    ctypedef struct PyMemberDef:
        int type
        Py_ssize_t offset

cdef extern from "Python.h":
    ctypedef struct PyMemberDescrObject:
        PyMemberDef *d_member

import_datetime()

cdef object _UTC = _datetime.UTC
cdef object _MemberDescriptorType = _types.MemberDescriptorType
cdef object _MISSING = object()
cdef int _MAX_DEPTH = 16  # nested lists and objects written here (deeper: the fallback)
cdef dict _NESTED = {}  # the plans of dataclasses inside events, by class
cdef object _NESTED_OF = lambda cls: None
cdef int _T_OBJECT_EX = 16  # structmember.h: a slot that raises AttributeError when unset
cdef const char *_HEX = b"0123456789abcdef"


include "_lines_values.pxi"  # the buffer and the scalar writers


cdef int _put_any(_Buffer buf, object v, int depth) except -1:
    """``v`` as the generic encoder writes it; 1 if it is not written from here."""
    if v is None:
        buf.put(b"null", 4)
    elif PyUnicode_CheckExact(v):
        return _put_str(buf, v)
    elif PyDateTime_CheckExact(v):
        return _put_time(buf, v)
    elif PyFloat_CheckExact(v):
        return _put_float(buf, PyFloat_AS_DOUBLE(v))
    elif v is True:
        buf.put(b"true", 4)
    elif v is False:
        buf.put(b"false", 5)
    elif PyLong_CheckExact(v):
        return _put_int(buf, v)
    elif depth >= _MAX_DEPTH:
        return 1
    elif PyTuple_CheckExact(v):
        return _put_list(buf, <tuple>v, depth + 1)
    else:
        return _put_nested(buf, v, depth + 1)
    return 0


cdef int _put_list(_Buffer buf, tuple items, int depth) except -1:
    """A tuple as a JSON list (a route's visit ids, a plan's routes)."""
    cdef Py_ssize_t i
    buf.put(b"[", 1)
    for i in range(len(items)):
        if i:
            buf.put(b",", 1)
        if _put_any(buf, items[i], depth):
            return 1
    buf.put(b"]", 1)
    return 0


cdef int _put_nested(_Buffer buf, object v, int depth) except -1:
    """A dataclass inside an event (a route, a depot stop) as a JSON object of its fields;
    1 for an object of any other kind."""
    cls = type(v)
    plan = _NESTED.get(cls, _MISSING)
    if plan is _MISSING:
        made = _NESTED_OF(cls)
        plan = _NESTED[cls] = None if made is None else _Plan(cls, made)
    if plan is None:
        return 1
    return _put_fields(buf, v, <_Plan>plan, depth, 1)


cdef int _put_fields(_Buffer buf, object obj, _Plan plan, int depth, int skip) except -1:
    """``plan.head``, then ``,"name":value`` per field (the first written without its
    comma when ``skip`` is 1: a nested object's), then ``}``; 1 if a value is refused."""
    cdef Py_ssize_t i, offset
    cdef PyObject *slot
    cdef object v
    cdef bytes text
    buf.put(<char *>plan.head, len(plan.head))
    for i in range(len(plan.names)):
        offset = plan.offsets[i]
        slot = NULL if offset < 0 else (<PyObject **>(<char *><PyObject *>obj + offset))[0]
        v = <object>slot if slot != NULL else getattr(obj, <str>plan.names[i])
        text = <bytes>(plan.nulls[i] if v is None else plan.keys[i])
        if len(text) == 0:
            continue  # None in a field left out when None
        buf.put(<char *>text + skip, len(text) - skip)
        skip = 0
        if v is not None:
            if _put_any(buf, v, depth):
                return 1
    buf.put(b"}", 1)
    return 0


cdef class _Plan:
    """A class's plan (see :func:`encode_block`) with where each field's slot lies."""

    cdef bytes head
    cdef tuple names
    cdef tuple keys
    cdef tuple nulls
    cdef Py_ssize_t *offsets  # byte offset of each field's slot in the object, or -1

    def __cinit__(self, cls, tuple plan):
        self.head, self.names, self.keys, self.nulls = plan
        self.offsets = <Py_ssize_t *>PyMem_Malloc((len(self.names) + 1) * sizeof(Py_ssize_t))
        if self.offsets == NULL:
            raise MemoryError()
        for i, name in enumerate(self.names):
            self.offsets[i] = _slot_offset(cls, name)

    def __dealloc__(self):
        PyMem_Free(self.offsets)


cdef Py_ssize_t _slot_offset(cls, str name) except -2:
    """Where ``cls``'s objects hold ``name`` if it is a plain slot (``__slots__``: the
    attribute is that slot, a data descriptor nothing else can shadow); -1 otherwise."""
    cdef PyMemberDef *member
    for klass in cls.__mro__:
        found = klass.__dict__.get(name, _MISSING)
        if found is _MISSING:
            continue
        if type(found) is not _MemberDescriptorType:
            return -1
        member = (<PyMemberDescrObject *>found).d_member
        return member.offset if member.type == _T_OBJECT_EX else -1
    return -1


def encode_block(
    events, dict plans, plan_of, fallback, bint want_bytes=True, nested_of=None,
    bint want_lines=True,
):
    """The lines of ``events`` (a sequence) and, with ``want_bytes``, their bytes in the
    file (each line followed by ``\\n``, UTF-8; ``None`` if a line has no UTF-8).
    Without ``want_lines`` (and with ``want_bytes``) the lines are not made: ``(None,
    bytes)``, or ``(None, None)`` if a line has no UTF-8 (ask again for its lines).

    ``plans`` holds each event class's plan, made from ``plan_of(cls)``: the line's head
    ``{"v":…,"type":"…"``, the field names, each field's ``,"name":`` and its text when
    ``None``; ``fallback(event)`` encodes an event refused here. ``nested_of(cls)`` gives
    the plan of a dataclass inside an event (head ``{``), ``None`` for any other class."""
    global _NESTED_OF
    if nested_of is not None and nested_of is not _NESTED_OF:
        _NESTED.clear()
        _NESTED_OF = nested_of
    if not (want_lines or want_bytes):
        raise ValueError("encode_block: want_lines or want_bytes, or there is nothing to give")
    cdef Py_ssize_t n = len(events)
    cdef Py_ssize_t i, start, size
    cdef _Buffer buf = _Buffer(256 * n + 256 if want_bytes else 4096)
    cdef list lines = PyList_New(n) if want_lines else None
    cdef bint whole = True
    cdef const char *text
    cdef object line
    cdef object plan
    for i in range(n):
        event = events[i]
        plan = plans.get(type(event))
        if plan is None:
            plan = plans[type(event)] = _Plan(type(event), plan_of(type(event)))
        start = buf.size
        buf.wide = False
        if _put_fields(buf, event, <_Plan>plan, 0, 0):
            buf.size = start
            line = fallback(event)
            try:
                text = PyUnicode_AsUTF8AndSize(line, &size)
                buf.put(text, size)
            except UnicodeEncodeError:  # a lone surrogate: the caller encodes the lines
                whole = False
        elif not want_lines:
            line = None
        elif buf.wide:
            line = PyUnicode_DecodeUTF8(buf.data + start, buf.size - start, NULL)
        else:  # ASCII: copied into a new str, no decoding
            line = PyUnicode_New(buf.size - start, 127)
            memcpy(PyUnicode_DATA(line), buf.data + start, buf.size - start)
        if want_lines:
            Py_INCREF(line)
            PyList_SET_ITEM(lines, i, line)
        buf.put(b"\n", 1)
        if not want_bytes:
            buf.size = 0
    if not want_bytes or not whole:
        return lines, None
    return lines, PyBytes_FromStringAndSize(buf.data, buf.size)
