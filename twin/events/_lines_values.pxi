# The log encoder's byte buffer (``_Buffer``) and its scalar writers (included by
# _lines.pyx): strings, UTC times, floats and ints, each written as the Python encoder
# writes it; the lists, nested objects and the block's loop stay in _lines.pyx


cdef class _Buffer:
    """A growing byte buffer (the block's bytes)."""

    cdef char *data
    cdef Py_ssize_t size
    cdef Py_ssize_t cap
    cdef bint wide  # a non-ASCII character written since it was last cleared

    def __cinit__(self, Py_ssize_t cap):
        self.data = <char *>PyMem_Malloc(cap)
        if self.data == NULL:
            raise MemoryError()
        self.size = 0
        self.cap = cap
        self.wide = False

    def __dealloc__(self):
        PyMem_Free(self.data)

    cdef int reserve(self, Py_ssize_t extra) except -1:
        cdef Py_ssize_t cap = self.cap
        cdef char *grown
        if self.size + extra <= cap:
            return 0
        while cap < self.size + extra:
            cap *= 2
        grown = <char *>PyMem_Realloc(self.data, cap)
        if grown == NULL:
            raise MemoryError()
        self.data = grown
        self.cap = cap
        return 0

    cdef int put(self, const char *text, Py_ssize_t n) except -1:
        self.reserve(n)
        memcpy(self.data + self.size, text, n)
        self.size += n
        return 0


cdef inline Py_ssize_t _escape_ascii(unsigned char c, char *out) noexcept:
    """``c`` (below 0x80) as ``encode_basestring`` writes it; returns the bytes written."""
    if c >= 0x20 and c != 34 and c != 92:
        out[0] = <char>c
        return 1
    out[0] = 92  # backslash
    if c == 34 or c == 92:
        out[1] = <char>c
    elif c == 8:
        out[1] = 98  # b
    elif c == 12:
        out[1] = 102  # f
    elif c == 10:
        out[1] = 110  # n
    elif c == 13:
        out[1] = 114  # r
    elif c == 9:
        out[1] = 116  # t
    else:
        out[1] = 117  # u00XX, lower-case hex as Python writes it
        out[2] = 48
        out[3] = 48
        out[4] = _HEX[(c >> 4) & 0xF]
        out[5] = _HEX[c & 0xF]
        return 6
    return 2


cdef int _put_str(_Buffer buf, object s) except -1:
    """``s`` quoted; 1 if it holds a lone surrogate (no UTF-8 for it: nothing written)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(s)
    cdef int kind = PyUnicode_KIND(s)
    cdef void *data = PyUnicode_DATA(s)
    cdef Py_ssize_t i
    cdef unsigned int c
    cdef char *out
    cdef const unsigned char *ascii
    buf.reserve(6 * n + 2)
    out = buf.data + buf.size
    out[0] = 34
    out += 1
    if PyUnicode_IS_ASCII(s):
        ascii = <const unsigned char *>data
        for i in range(n):
            out += _escape_ascii(ascii[i], out)
    else:
        buf.wide = True
        for i in range(n):
            c = PyUnicode_READ(kind, data, i)
            if c < 0x80:
                out += _escape_ascii(<unsigned char>c, out)
            elif c < 0x800:
                out[0] = <char>(0xC0 | (c >> 6))
                out[1] = <char>(0x80 | (c & 0x3F))
                out += 2
            elif 0xD800 <= c <= 0xDFFF:
                return 1
            elif c < 0x10000:
                out[0] = <char>(0xE0 | (c >> 12))
                out[1] = <char>(0x80 | ((c >> 6) & 0x3F))
                out[2] = <char>(0x80 | (c & 0x3F))
                out += 3
            else:
                out[0] = <char>(0xF0 | (c >> 18))
                out[1] = <char>(0x80 | ((c >> 12) & 0x3F))
                out[2] = <char>(0x80 | ((c >> 6) & 0x3F))
                out[3] = <char>(0x80 | (c & 0x3F))
                out += 4
    out[0] = 34
    buf.size = out + 1 - buf.data
    return 0


cdef inline char *_digits(char *out, int value, int width) noexcept:
    """``value`` (not negative) zero-padded to ``width`` digits; returns the end."""
    cdef int i
    for i in range(width - 1, -1, -1):
        out[i] = <char>(48 + value % 10)
        value //= 10
    return out + width


cdef int _put_time(_Buffer buf, object t) except -1:
    """A UTC datetime quoted as ``format_time`` writes it; 1 for any other zone."""
    cdef int us = datetime_microsecond(t)
    cdef char *out
    if datetime_tzinfo(t) is not _UTC:
        return 1
    buf.reserve(32)
    out = buf.data + buf.size
    out[0] = 34
    out = _digits(out + 1, datetime_year(t), 4)
    out[0] = 45  # -
    out = _digits(out + 1, datetime_month(t), 2)
    out[0] = 45
    out = _digits(out + 1, datetime_day(t), 2)
    out[0] = 84  # T
    out = _digits(out + 1, datetime_hour(t), 2)
    out[0] = 58  # :
    out = _digits(out + 1, datetime_minute(t), 2)
    out[0] = 58
    out = _digits(out + 1, datetime_second(t), 2)
    if us:
        out[0] = 46  # .
        out = _digits(out + 1, us, 6)
    out[0] = 90  # Z
    out[1] = 34
    buf.size = out + 2 - buf.data
    return 0


cdef int _put_float(_Buffer buf, double x) except -1:
    cdef char *text
    if not isfinite(x):
        return 1
    text = PyOS_double_to_string(x, b'r', 0, Py_DTSF_ADD_DOT_0, NULL)
    try:
        buf.put(text, strlen(text))
    finally:
        PyMem_Free(text)
    return 0


cdef int _put_int(_Buffer buf, object v) except -1:
    cdef int overflow = 0
    cdef long long x = PyLong_AsLongLongAndOverflow(v, &overflow)
    cdef unsigned long long u
    cdef char tmp[24]
    cdef int n = 0
    cdef Py_ssize_t size
    cdef const char *text
    if overflow == 0:
        u = <unsigned long long>(-(x + 1)) + 1 if x < 0 else <unsigned long long>x
        while True:
            tmp[23 - n] = <char>(48 + u % 10)
            n += 1
            u //= 10
            if u == 0:
                break
        if x < 0:
            tmp[23 - n] = 45
            n += 1
        buf.put(tmp + 24 - n, n)
        return 0
    r = int.__repr__(v)  # as the Python encoder (and its limit on digits)
    text = PyUnicode_AsUTF8AndSize(r, &size)
    buf.put(text, size)
    return 0
