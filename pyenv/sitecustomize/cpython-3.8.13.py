"""Takes away from a later CPython 3.8 what 3.8.13 does not have (installed as sitecustomize).

SageMaker's XGBoost 1.7-1 and scikit-learn 1.2-1 images were released on CPython 3.8.13; this
machine has a later 3.8 (3.8.14 to 3.8.18 are security releases). Two of those releases added
API, so a script using it would run here and fail in the image:
- 3.8.17, PEP 706: extraction filters, the `filter` argument of TarFile.extract(), extractall()
  and shutil.unpack_archive(), tarfile's data_filter and tar_filter and its FilterError classes;
- 3.8.14: the int/str conversion limit (sys.set_int_max_str_digits), which also refuses long
  digit strings that 3.8.13 converts.
This module removes them again, so what fails in the image fails here. On any other Python it
does nothing.
"""

import sys

if sys.version_info[:2] == (3, 8) and sys.version_info[:3] > (3, 8, 13):
    import functools
    import shutil
    import tarfile

    def _no_filter(function):
        @functools.wraps(function)
        def call(*args, **kwargs):
            if "filter" in kwargs:
                raise TypeError(
                    f"{function.__name__}() got an unexpected keyword argument 'filter'"
                )
            return function(*args, **kwargs)

        del call.__wrapped__  # inspect.signature then shows no filter parameter either
        return call

    tarfile.TarFile.extract = _no_filter(tarfile.TarFile.extract)
    tarfile.TarFile.extractall = _no_filter(tarfile.TarFile.extractall)
    shutil.unpack_archive = _no_filter(shutil.unpack_archive)
    # fully_trusted_filter and TarFile.extraction_filter stay: extraction without a filter, as
    # 3.8.13 extracts, goes through them.
    for _name in (
        "data_filter",
        "tar_filter",
        "FilterError",
        "AbsolutePathError",
        "OutsideDestinationError",
        "SpecialFileError",
        "AbsoluteLinkError",
        "LinkOutsideDestinationError",
    ):
        delattr(tarfile, _name)

    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # no limit, as before 3.8.14
        del sys.set_int_max_str_digits
        del sys.get_int_max_str_digits
