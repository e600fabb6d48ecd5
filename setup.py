"""Build the native SM2 engine (trustkit._sm2). Needs only a C compiler and libc."""

import sys

from setuptools import Extension, setup

SOURCES = [
    "native/sm3.c",
    "native/sm2_field.c",
    "native/sm2_point.c",
    "native/sm2_comb.c",
    "native/sm2_engine.c",
    "native/sm2_der.c",
    "native/sm2_batch.c",
    "native/module.c",
]

extra_compile_args = ["-O3", "-std=c11", "-Wall", "-Wextra", "-fno-strict-aliasing"]
if sys.platform.startswith("linux"):
    extra_compile_args.append("-pthread")

setup(
    ext_modules=[
        Extension(
            "trustkit._sm2",
            sources=SOURCES,
            include_dirs=["native"],
            extra_compile_args=extra_compile_args,
            extra_link_args=["-pthread"],
        )
    ]
)
