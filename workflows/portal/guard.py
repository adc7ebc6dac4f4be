"""Bad input answers 400, never 500: one guard in front of every view.

Form and query data cannot carry a lone surrogate: Django decodes them with
``errors="replace"``. JSON can, through escapes (``"\\ud800"``), and JSON
nested a few thousand deep makes the decoder raise ``RecursionError``. Both
used to reach the API's serializers and end in a 500 (issue 18 item 6). This
middleware decodes a JSON body once, before any view, and answers 400 with a
translated message when it is nested deeper than ``MAX_JSON_DEPTH`` or holds a
lone surrogate in a key or a value. Everything else (invalid JSON, invalid
UTF-8) is left to the view's parser, which already answers 400.
"""

from __future__ import annotations

import json
import re
from io import BytesIO

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

#: Deepest nesting of objects and arrays accepted; the API's payloads need 4.
MAX_JSON_DEPTH = 32
#: Largest JSON body read: an API application carries up to 6 Base64 uploads of 5 MB.
MAX_JSON_BODY = 48 * 1024 * 1024

ERR_LONE_SURROGATE = _("提交的内容含有无法识别的字符（不成对的代理码位），请检查后重新提交。")
ERR_TOO_DEEP = _("提交的数据嵌套层数过多（最多 %(max)d 层）。")
ERR_TOO_LARGE = _("提交的数据过大。")

_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json\b", re.IGNORECASE)


class _TooDeep(Exception):
    pass


def _check(value, limit: int) -> bool:
    """True if ``value`` holds a lone surrogate; raises ``_TooDeep`` past ``limit`` levels.

    Iterative, so a deep value cannot exhaust the stack here either.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, (dict, list)):
            if depth > limit:
                raise _TooDeep
            if isinstance(item, dict):
                for key, child in item.items():
                    if _SURROGATE.search(key):
                        return True
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return False


def json_problem(body: bytes, *, limit: int = MAX_JSON_DEPTH) -> str | None:
    """The translated reason ``body`` (JSON) must be refused, or None to let it through."""
    try:
        data = json.loads(body)
    except RecursionError:
        return str(ERR_TOO_DEEP % {"max": limit})
    except ValueError:  # not JSON, or not UTF-8: the view's parser answers 400
        return None
    try:
        if _check(data, limit):
            return str(ERR_LONE_SURROGATE)
    except _TooDeep:
        return str(ERR_TOO_DEEP % {"max": limit})
    return None


class InputGuardMiddleware:
    """Answer 400 to a JSON body nested too deep or holding a lone surrogate."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and _JSON_TYPE.match(request.content_type or ""):
            problem = self._problem(request)
            if problem is not None:
                return JsonResponse({"errors": [problem]}, status=400, json_dumps_params={"ensure_ascii": False})
        return self.get_response(request)

    @staticmethod
    def _problem(request) -> str | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_JSON_BODY:
            return str(ERR_TOO_LARGE)
        # Read as ``HttpRequest.body`` does, keeping the bytes for the view's own parser,
        # but without DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): DRF reads the stream and
        # never applied it, and API applications with uploads are larger.
        body = request.read(MAX_JSON_BODY + 1)
        request._body = body
        request._stream = BytesIO(body)
        if len(body) > MAX_JSON_BODY:
            return str(ERR_TOO_LARGE)
        return json_problem(body)
