/*
 * trustkit._sm2: the Python face of the native SM2 engine. Arguments are bytes-like objects;
 * parsing, policy and error messages live in the Python facade (trustkit.sm2). Errors raised
 * here are ValueError/MemoryError/OSError that the facade maps to trustkit exceptions.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

#include "sm2_batch.h"
#include "sm2_der.h"
#include "sm2_engine.h"
#include "sm3.h"

#define MAX_ID_LEN 8191   /* ENTL is 16 bits of bit length */

static PyObject *raise_engine_error(int rc) {
    switch (rc) {
    case SM2_ERR_RANGE: PyErr_SetString(PyExc_ValueError, "scalar or coordinate out of range"); break;
    case SM2_ERR_POINT: PyErr_SetString(PyExc_ValueError, "point is not on the SM2 curve"); break;
    case SM2_ERR_RANDOM: PyErr_SetString(PyExc_OSError, "the OS random source failed"); break;
    case SM2_ERR_MEMORY: PyErr_NoMemory(); break;
    case SM2_ERR_NONCE: PyErr_SetString(PyExc_ValueError, "nonce is unusable for this digest"); break;
    default: PyErr_SetString(PyExc_RuntimeError, "SM2 engine error"); break;
    }
    return NULL;
}

static int check_len(const Py_buffer *b, Py_ssize_t want, const char *what) {
    if (b->len != want) {
        PyErr_Format(PyExc_ValueError, "%s must be %zd bytes, got %zd", what, want, b->len);
        return -1;
    }
    return 0;
}

/* ---- PublicCore ---------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    sm2_public key;
    comb_table *table;        /* per-key comb table, immutable once published */
    int ready;                /* set once by __init__; the key never changes afterwards */
} PublicCore;

static int PublicCore_init(PublicCore *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"point", NULL};
    Py_buffer pt;
    if (self->ready) {        /* a second __init__ would pair a new key with the old table */
        PyErr_SetString(PyExc_TypeError, "PublicCore is already initialised");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*", kwlist, &pt)) return -1;
    int rc = check_len(&pt, 64, "point (X || Y)");
    if (!rc) {
        sm2_public key;       /* validated on the side, copied in only on success */
        rc = sm2_public_init(&key, pt.buf);
        if (rc) {
            raise_engine_error(rc);
            rc = -1;
        } else {
            self->key = key;
            self->ready = 1;
        }
    }
    PyBuffer_Release(&pt);
    return rc;
}

static int public_ready(PublicCore *self) {
    if (!self->ready) PyErr_SetString(PyExc_ValueError, "PublicCore is not initialised");
    return self->ready;
}

static void PublicCore_dealloc(PublicCore *self) {
    free(self->table);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *PublicCore_point(PublicCore *self, PyObject *Py_UNUSED(ignored)) {
    if (!public_ready(self)) return NULL;
    return PyBytes_FromStringAndSize((const char *)self->key.xy, 64);
}

static PyObject *PublicCore_za(PublicCore *self, PyObject *arg) {
    if (!public_ready(self)) return NULL;
    Py_buffer id;
    if (PyObject_GetBuffer(arg, &id, PyBUF_SIMPLE)) return NULL;
    if (id.len > MAX_ID_LEN) {
        PyBuffer_Release(&id);
        PyErr_SetString(PyExc_ValueError, "SM2 ID longer than 8191 bytes");
        return NULL;
    }
    uint8_t za[32];
    sm2_compute_za(za, id.buf, (size_t)id.len, self->key.xy);
    PyBuffer_Release(&id);
    return PyBytes_FromStringAndSize((const char *)za, 32);
}

static PyObject *PublicCore_verify_digest(PublicCore *self, PyObject *args) {
    if (!public_ready(self)) return NULL;
    Py_buffer e, rs;
    if (!PyArg_ParseTuple(args, "y*y*", &e, &rs)) return NULL;
    int ok = -1;
    if (!check_len(&e, 32, "digest") && !check_len(&rs, 64, "signature (r || s)")) {
        Py_BEGIN_ALLOW_THREADS
        ok = sm2_verify_digest(&self->key, self->table, e.buf, rs.buf);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&e);
    PyBuffer_Release(&rs);
    if (ok < 0) return NULL;
    return PyBool_FromLong(ok);
}

/* verify(za, message, rs): SM3(Z_A || M) and the verification, all without the GIL */
static PyObject *PublicCore_verify(PublicCore *self, PyObject *args) {
    if (!public_ready(self)) return NULL;
    Py_buffer za, msg, rs;
    if (!PyArg_ParseTuple(args, "y*y*y*", &za, &msg, &rs)) return NULL;
    int ok = -1;
    if (!check_len(&za, 32, "Z_A") && !check_len(&rs, 64, "signature (r || s)")) {
        Py_BEGIN_ALLOW_THREADS
        uint8_t e[32];
        sm2_message_digest(e, za.buf, msg.buf, (size_t)msg.len);
        ok = sm2_verify_digest(&self->key, self->table, e, rs.buf);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&za);
    PyBuffer_Release(&msg);
    PyBuffer_Release(&rs);
    if (ok < 0) return NULL;
    return PyBool_FromLong(ok);
}


/* verify_der(za_or_None, message_or_e, der_sig) -> 1 valid, 0 invalid, 2 malformed signature */
static PyObject *PublicCore_verify_der(PublicCore *self, PyObject *args) {
    if (!public_ready(self)) return NULL;
    PyObject *za_obj;
    Py_buffer msg, sig;
    if (!PyArg_ParseTuple(args, "Oy*y*", &za_obj, &msg, &sig)) return NULL;
    Py_buffer za = {0};
    long code = -1;
    if (za_obj != Py_None && PyObject_GetBuffer(za_obj, &za, PyBUF_SIMPLE)) goto done;
    if (za.buf && check_len(&za, 32, "Z_A")) goto done;
    if (!za.buf && check_len(&msg, 32, "digest")) goto done;
    Py_BEGIN_ALLOW_THREADS
    uint8_t rs[64], e[32];
    if (sm2_der_to_raw(sig.buf, (size_t)sig.len, rs)) {
        code = BATCH_MALFORMED;
    } else {
        if (za.buf) sm2_message_digest(e, za.buf, msg.buf, (size_t)msg.len);
        else memcpy(e, msg.buf, 32);
        code = sm2_verify_digest(&self->key, self->table, e, rs) ? BATCH_VALID : BATCH_INVALID;
    }
    Py_END_ALLOW_THREADS
done:
    if (za.buf) PyBuffer_Release(&za);
    PyBuffer_Release(&msg);
    PyBuffer_Release(&sig);
    if (code < 0) return NULL;
    return PyLong_FromLong(code);
}

static PyObject *PublicCore_precompute(PublicCore *self, PyObject *Py_UNUSED(ignored)) {
    if (!public_ready(self)) return NULL;
    if (self->table) Py_RETURN_FALSE;
    comb_table *t = malloc(sizeof *t);
    if (!t) return PyErr_NoMemory();
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = comb_build(t, &self->key.P);
    Py_END_ALLOW_THREADS
    if (rc) {
        free(t);
        return PyErr_NoMemory();
    }
    if (self->table) {      /* another thread published first while we built */
        free(t);
        Py_RETURN_FALSE;
    }
    self->table = t;
    Py_RETURN_TRUE;
}

static PyObject *PublicCore_multiply(PublicCore *self, PyObject *arg) {
    if (!public_ready(self)) return NULL;
    Py_buffer k;
    if (PyObject_GetBuffer(arg, &k, PyBUF_SIMPLE)) return NULL;
    uint8_t out[64];
    int rc = check_len(&k, 32, "scalar");
    if (!rc) {
        Py_BEGIN_ALLOW_THREADS
        rc = sm2_point_multiply(out, &self->key, k.buf);
        Py_END_ALLOW_THREADS
        if (rc) raise_engine_error(rc);
    }
    PyBuffer_Release(&k);
    if (rc) return NULL;
    return PyBytes_FromStringAndSize((const char *)out, 64);
}

static PyObject *PublicCore_has_table(PublicCore *self, void *Py_UNUSED(closure)) {
    return PyBool_FromLong(self->table != NULL);
}

static PyMethodDef PublicCore_methods[] = {
    {"point", (PyCFunction)PublicCore_point, METH_NOARGS, "X || Y (64 bytes)."},
    {"za", (PyCFunction)PublicCore_za, METH_O, "Z_A for the given ID."},
    {"verify_digest", (PyCFunction)PublicCore_verify_digest, METH_VARARGS,
     "verify_digest(e, rs) -> bool; variable time (public data)."},
    {"verify", (PyCFunction)PublicCore_verify, METH_VARARGS,
     "verify(za, message, rs) -> bool; hashes and verifies without the GIL."},
    {"verify_der", (PyCFunction)PublicCore_verify_der, METH_VARARGS,
     "verify_der(za | None, message | e, der) -> 1 valid, 0 invalid, 2 malformed."},
    {"precompute", (PyCFunction)PublicCore_precompute, METH_NOARGS,
     "Build the per-key comb table (148 KiB); returns False if it already existed."},
    {"multiply", (PyCFunction)PublicCore_multiply, METH_O, "[k]P in constant time (encryption)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef PublicCore_getset[] = {
    {"has_table", (getter)PublicCore_has_table, NULL, "True once precompute() has run.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject PublicCoreType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "trustkit._sm2.PublicCore",
    .tp_basicsize = sizeof(PublicCore),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A validated SM2 public point.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)PublicCore_init,
    .tp_dealloc = (destructor)PublicCore_dealloc,
    .tp_methods = PublicCore_methods,
    .tp_getset = PublicCore_getset,
};

/* ---- PrivateCore --------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    sm2_private key;
    int ready;
} PrivateCore;

static int PrivateCore_init(PrivateCore *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"d", NULL};
    Py_buffer d;
    if (self->ready) {
        PyErr_SetString(PyExc_TypeError, "PrivateCore is already initialised");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*", kwlist, &d)) return -1;
    int rc = check_len(&d, 32, "private scalar");
    if (!rc) {
        sm2_private key;      /* derived on the side, copied in only on success */
        rc = sm2_private_init(&key, d.buf);
        if (rc) {
            if (rc == SM2_ERR_RANGE)
                PyErr_SetString(PyExc_ValueError, "private scalar is not in [1, n-2]");
            else
                raise_engine_error(rc);
            rc = -1;
        } else {
            self->key = key;
            self->ready = 1;
        }
        sm2_private_wipe(&key);
    }
    PyBuffer_Release(&d);
    return rc;
}

static void PrivateCore_dealloc(PrivateCore *self) {
    sm2_private_wipe(&self->key);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int private_ready(PrivateCore *self) {
    if (!self->ready) PyErr_SetString(PyExc_ValueError, "PrivateCore is not initialised");
    return self->ready;
}

static PyObject *PrivateCore_public_point(PrivateCore *self, PyObject *Py_UNUSED(ignored)) {
    if (!private_ready(self)) return NULL;
    return PyBytes_FromStringAndSize((const char *)self->key.pub, 64);
}

static PyObject *PrivateCore_private_bytes(PrivateCore *self, PyObject *Py_UNUSED(ignored)) {
    if (!private_ready(self)) return NULL;
    uint8_t d[32];
    limbs_to_be(d, self->key.d);
    PyObject *out = PyBytes_FromStringAndSize((const char *)d, 32);
    memset(d, 0, sizeof d);
    return out;
}

static PyObject *PrivateCore_sign_digest(PrivateCore *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"e", "k", NULL};
    Py_buffer e, k = {0};
    if (!private_ready(self)) return NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*|z*", kwlist, &e, &k)) return NULL;
    uint8_t rs[64];
    int rc = check_len(&e, 32, "digest");
    if (!rc && k.buf) rc = check_len(&k, 32, "nonce");
    if (!rc) {
        Py_BEGIN_ALLOW_THREADS
        rc = sm2_sign_digest(&self->key, e.buf, k.buf, rs);
        Py_END_ALLOW_THREADS
        if (rc) raise_engine_error(rc);
    }
    PyBuffer_Release(&e);
    if (k.buf) PyBuffer_Release(&k);
    if (rc) return NULL;
    return PyBytes_FromStringAndSize((const char *)rs, 64);
}

/* sign(za, message, der=False) -> r || s (or DER), hashing without the GIL */
static PyObject *PrivateCore_sign(PrivateCore *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"za", "message", "der", NULL};
    Py_buffer za, msg;
    int der = 0;
    if (!private_ready(self)) return NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*|p", kwlist, &za, &msg, &der)) return NULL;
    uint8_t rs[64];
    int rc = check_len(&za, 32, "Z_A");
    if (!rc) {
        Py_BEGIN_ALLOW_THREADS
        uint8_t e[32];
        sm2_message_digest(e, za.buf, msg.buf, (size_t)msg.len);
        rc = sm2_sign_digest(&self->key, e, NULL, rs);
        Py_END_ALLOW_THREADS
        if (rc) raise_engine_error(rc);
    }
    PyBuffer_Release(&za);
    PyBuffer_Release(&msg);
    if (rc) return NULL;
    if (der) {
        uint8_t out[SM2_DER_MAX];
        size_t n = sm2_raw_to_der(rs, out);
        return PyBytes_FromStringAndSize((const char *)out, (Py_ssize_t)n);
    }
    return PyBytes_FromStringAndSize((const char *)rs, 64);
}

/* [d]P for a caller-supplied point (decryption); the point is validated first */
static PyObject *PrivateCore_multiply(PrivateCore *self, PyObject *arg) {
    Py_buffer pt;
    if (!private_ready(self)) return NULL;
    if (PyObject_GetBuffer(arg, &pt, PyBUF_SIMPLE)) return NULL;
    sm2_public peer;
    uint8_t out[64], d[32];
    int rc = check_len(&pt, 64, "point (X || Y)");
    if (!rc) {
        rc = sm2_public_init(&peer, pt.buf);
        if (!rc) {
            limbs_to_be(d, self->key.d);
            Py_BEGIN_ALLOW_THREADS
            rc = sm2_point_multiply(out, &peer, d);
            Py_END_ALLOW_THREADS
            memset(d, 0, sizeof d);
        }
        if (rc) raise_engine_error(rc);
    }
    PyBuffer_Release(&pt);
    if (rc) return NULL;
    return PyBytes_FromStringAndSize((const char *)out, 64);
}

static PyMethodDef PrivateCore_methods[] = {
    {"public_point", (PyCFunction)PrivateCore_public_point, METH_NOARGS, "X || Y of [d]G."},
    {"private_bytes", (PyCFunction)PrivateCore_private_bytes, METH_NOARGS, "d as 32 bytes."},
    {"sign_digest", (PyCFunction)(void (*)(void))PrivateCore_sign_digest, METH_VARARGS | METH_KEYWORDS,
     "sign_digest(e, k=None) -> r || s. k is for known-answer tests only."},
    {"sign", (PyCFunction)(void (*)(void))PrivateCore_sign, METH_VARARGS | METH_KEYWORDS,
     "sign(za, message, der=False) -> r || s, or DER."},
    {"multiply", (PyCFunction)PrivateCore_multiply, METH_O, "[d]P in constant time."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject PrivateCoreType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "trustkit._sm2.PrivateCore",
    .tp_basicsize = sizeof(PrivateCore),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An SM2 private scalar with its precomputed (1 + d)^-1.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)PrivateCore_init,
    .tp_dealloc = (destructor)PrivateCore_dealloc,
    .tp_methods = PrivateCore_methods,
};

/* ---- module functions -------------------------------------------------------------------- */

static PyObject *mod_sm3(PyObject *Py_UNUSED(m), PyObject *arg) {
    Py_buffer data;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE)) return NULL;
    uint8_t out[32];
    Py_BEGIN_ALLOW_THREADS
    sm3_digest(data.buf, (size_t)data.len, out);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

static PyObject *mod_random_scalar(PyObject *Py_UNUSED(m), PyObject *Py_UNUSED(ignored)) {
    uint64_t k[4];
    uint8_t out[32];
    int rc = sm2_random_scalar(k);
    if (rc) return raise_engine_error(rc);
    limbs_to_be(out, k);
    PyObject *res = PyBytes_FromStringAndSize((const char *)out, 32);
    memset(out, 0, sizeof out);
    memset(k, 0, sizeof k);
    return res;
}

static PyObject *mod_base_multiply(PyObject *Py_UNUSED(m), PyObject *arg) {
    Py_buffer k;
    if (PyObject_GetBuffer(arg, &k, PyBUF_SIMPLE)) return NULL;
    uint8_t out[64];
    int rc = check_len(&k, 32, "scalar");
    if (!rc) {
        Py_BEGIN_ALLOW_THREADS
        rc = sm2_base_multiply(out, k.buf);
        Py_END_ALLOW_THREADS
        if (rc) raise_engine_error(rc);
    }
    PyBuffer_Release(&k);
    if (rc) return NULL;
    return PyBytes_FromStringAndSize((const char *)out, 64);
}

static PyObject *mod_decompress(PyObject *Py_UNUSED(m), PyObject *args) {
    Py_buffer x;
    int odd;
    if (!PyArg_ParseTuple(args, "y*p", &x, &odd)) return NULL;
    int rc = check_len(&x, 32, "x coordinate");
    ge_affine pt;
    uint8_t out[64];
    if (!rc) {
        rc = ge_decompress(&pt, x.buf, odd);
        if (rc == -1) PyErr_SetString(PyExc_ValueError, "x coordinate is not below p");
        else if (rc) PyErr_SetString(PyExc_ValueError, "x is not the abscissa of a curve point");
        else ge_to_bytes(out, &pt);
    }
    PyBuffer_Release(&x);
    if (rc) return NULL;
    return PyBytes_FromStringAndSize((const char *)out, 64);
}

/* ---- batch verification ------------------------------------------------------------------- */

/* Fill a batch_item from a user's (key, sig: bytes, msg: bytes) tuple via keymap[id(key)] = (core, za). */
static int pack_keyed(PyObject *tuple, PyObject *keymap, batch_item *it, int raw) {
    it->key = NULL;
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != 3) return -1;
    PyObject *key = PyTuple_GET_ITEM(tuple, 0), *sig = PyTuple_GET_ITEM(tuple, 1);
    PyObject *msg = PyTuple_GET_ITEM(tuple, 2);
    if (!PyBytes_Check(sig) || !PyBytes_Check(msg)) return -1;
    PyObject *id = PyLong_FromVoidPtr(key);
    if (!id) {
        PyErr_Clear();
        return -1;
    }
    PyObject *entry = PyDict_GetItemWithError(keymap, id);   /* borrowed */
    Py_DECREF(id);
    if (!entry) {
        PyErr_Clear();
        return -1;
    }
    if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2) return -1;
    PyObject *core = PyTuple_GET_ITEM(entry, 0), *za = PyTuple_GET_ITEM(entry, 1);
    if (!PyObject_TypeCheck(core, &PublicCoreType) || !((PublicCore *)core)->ready) return -1;
    if (za != Py_None && (!PyBytes_Check(za) || PyBytes_GET_SIZE(za) != 32)) return -1;
    PublicCore *pc = (PublicCore *)core;
    it->key = &pc->key;
    it->table = pc->table;
    it->za = za == Py_None ? NULL : (const uint8_t *)PyBytes_AS_STRING(za);
    it->sig = (const uint8_t *)PyBytes_AS_STRING(sig);
    it->sig_len = (size_t)PyBytes_GET_SIZE(sig);
    it->msg = (const uint8_t *)PyBytes_AS_STRING(msg);
    it->msg_len = (size_t)PyBytes_GET_SIZE(msg);
    it->sig_is_raw = raw;
    return 0;
}

/*
 * verify_items(items, keymap, threads=1, raw=False) -> bytes of per-item codes.
 * items are the caller's (key, sig, msg) tuples; keymap maps id(key) to (PublicCore, za | None).
 * The keymap and item tuples are kept alive (references held) while the GIL is released.
 */
static PyObject *mod_verify_items(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"items", "keymap", "threads", "raw", NULL};
    PyObject *seq_in, *keymap_in;
    int threads = 1, raw = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO!|ip", kwlist, &seq_in, &PyDict_Type, &keymap_in,
                                     &threads, &raw))
        return NULL;
    PyObject *seq = PySequence_Tuple(seq_in);
    if (!seq) return NULL;
    PyObject *keymap = PyDict_Copy(keymap_in);     /* our own: its values stay referenced */
    if (!keymap) {
        Py_DECREF(seq);
        return NULL;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(seq);
    PyObject *out = PyBytes_FromStringAndSize(NULL, count);
    batch_item *items = count ? PyMem_Malloc((size_t)count * sizeof *items) : NULL;
    if (!out || (count && !items)) {
        Py_XDECREF(out);
        Py_DECREF(seq);
        Py_DECREF(keymap);
        return PyErr_NoMemory();
    }
    uint8_t *res = (uint8_t *)PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < count; i++) {
        res[i] = pack_keyed(PyTuple_GET_ITEM(seq, i), keymap, &items[i], raw) ? BATCH_BAD_ITEM
                                                                              : BATCH_INVALID;
        items[i].index = (size_t)i;
    }
    Py_BEGIN_ALLOW_THREADS
    sm2_sort_batch(items, (size_t)count);
    sm2_verify_batch(items, (size_t)count, res, threads);
    Py_END_ALLOW_THREADS
    PyMem_Free(items);
    Py_DECREF(keymap);
    Py_DECREF(seq);
    return out;
}

static PyObject *mod_der_to_raw(PyObject *Py_UNUSED(m), PyObject *arg) {
    Py_buffer der;
    if (PyObject_GetBuffer(arg, &der, PyBUF_SIMPLE)) return NULL;
    uint8_t rs[64];
    int rc = sm2_der_to_raw(der.buf, (size_t)der.len, rs);
    PyBuffer_Release(&der);
    if (rc) {
        PyErr_SetString(PyExc_ValueError, "not a strict DER SM2 signature");
        return NULL;
    }
    return PyBytes_FromStringAndSize((const char *)rs, 64);
}

static PyMethodDef module_methods[] = {
    {"verify_items", (PyCFunction)(void (*)(void))mod_verify_items, METH_VARARGS | METH_KEYWORDS,
     "verify_items(items, keymap, threads=1, raw=False) -> bytes of per-item codes."},
    {"der_to_raw", mod_der_to_raw, METH_O, "Strict DER SM2Signature -> r || s."},
    {"sm3", mod_sm3, METH_O, "Native SM3 digest."},
    {"random_scalar", mod_random_scalar, METH_NOARGS, "Uniform scalar in [1, n-1] from getrandom()."},
    {"base_multiply", mod_base_multiply, METH_O, "[k]G in constant time."},
    {"decompress", mod_decompress, METH_VARARGS, "decompress(x, y_odd) -> X || Y."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "trustkit._sm2", "Native SM2 engine for trustkit.", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__sm2(void) {
    if (sm2_engine_init()) return PyErr_NoMemory();
    if (PyType_Ready(&PublicCoreType) < 0 || PyType_Ready(&PrivateCoreType) < 0) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m) return NULL;
    Py_INCREF(&PublicCoreType);
    Py_INCREF(&PrivateCoreType);
    if (PyModule_AddObject(m, "PublicCore", (PyObject *)&PublicCoreType) ||
        PyModule_AddObject(m, "PrivateCore", (PyObject *)&PrivateCoreType) ||
        PyModule_AddIntConstant(m, "COMB_TABLE_BYTES", (long)sizeof(comb_table))) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
