"""The conventions of the JSON API under /api/v1/ (``build_api``). Each app contributes ``router``
from its ``api.py``; the routers declare their own paths (/orgs, /members, /activities,
/compliance …); ``config/api.py`` assembles them.

Conventions kept here for every router (see docs/api.md):

- authentication is global: ``Authorization: Bearer <token>`` or the logged-in session (with the
  CSRF token on unsafe methods); missing or bad credentials answer 401;
- every error is JSON with a Chinese ``detail``: a string for 400/401/403/404/405/500, and for 422
  a list of ``{"loc": [...], "msg": "…", "type": "…"}`` naming the field at fault;
- Django's ``ValidationError`` (raised by services) answers 422, ``Http404`` 404,
  ``PermissionDenied`` 403; anything unexpected is logged and answers a JSON 500;
- an unknown path under /api/v1/ answers a JSON 404, a wrong method a JSON 405.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja import Schema as NinjaSchema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator

logger = logging.getLogger("dangjian.api")

MSG_NOT_FOUND = "未找到该对象，或您无权访问"
MSG_NO_ROUTE = "未找到该接口，请对照 /api/v1/docs"
MSG_FORBIDDEN = "您没有执行该操作的权限"
MSG_BAD_BODY = "请求体不是有效的 JSON"
MSG_METHOD = "该接口不支持此请求方法"
MSG_SERVER = "服务器内部错误，已记录，请稍后重试或联系系统管理员"
MSG_NO_CREDENTIALS = "未登录：请在请求头加上 Authorization: Bearer <令牌>，或先登录"

# Where a service names a field differently from the API body, e.g. org → org_id.
FIELD_ALIASES = {
    "org": "org_id",
    "to_org": "to_org_id",
    "party_group": "party_group_id",
    "host": "host_id",
    "recorder": "recorder_id",
    "lecturer": "lecturer_id",
}


# ---------------------------------------------------------------- schemas


class Schema(NinjaSchema):
    """The base of every request and response schema: ninja's ``Schema``, read natively when the
    value is a plain dict.

    ninja wraps each value it validates in a ``DjangoGetter`` so that a model instance's related
    managers, methods and file fields read as data, and pydantic then fetches every field
    through that wrapper: about 2 ms for a page of 50 members, a quarter of the request. The
    views build their answers as dicts of plain values, and request bodies and query strings
    arrive as dicts, which pydantic reads itself with the same result. Anything else (a model
    instance, a dict subclass) and schemas with ``resolve_*`` methods keep ninja's way.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if type(values) is dict and not cls._ninja_resolvers:
            return handler(values)
        return super()._run_root_validator(values, handler, info)


# ---------------------------------------------------------------- validation messages


# Names under which routers take their JSON body; the level is dropped from error locations.
BODY_PARAM_NAMES = frozenset({"payload", "data", "body"})


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    names = [str(part) for part in loc if isinstance(part, str) and part not in {"body", "query", "path"}]
    return names[-1] if names else "请求"


def translate_error(error: dict[str, Any]) -> str:
    """A Chinese message for one pydantic error, naming the field."""
    field = _field_name(error.get("loc", ()))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    expected = str(ctx.get("expected", "")).replace(" or ", "、")
    messages = {
        "missing": f"缺少必填字段 {field}",
        "int_type": f"{field} 应为整数",
        "int_parsing": f"{field} 应为整数",
        "int_from_float": f"{field} 应为整数，不能带小数",
        "float_type": f"{field} 应为数字",
        "float_parsing": f"{field} 应为数字",
        "bool_type": f"{field} 应为 true 或 false",
        "bool_parsing": f"{field} 应为 true 或 false",
        "string_type": f"{field} 应为字符串",
        "string_too_short": f"{field} 至少 {ctx.get('min_length', '')} 个字",
        "string_too_long": f"{field} 不能超过 {ctx.get('max_length', '')} 个字",
        "string_pattern_mismatch": f"{field} 格式不正确",
        "date_type": f"{field} 应为日期，格式 YYYY-MM-DD",
        "date_parsing": f"{field} 不是有效日期，格式应为 YYYY-MM-DD",
        "date_from_datetime_parsing": f"{field} 不是有效日期，格式应为 YYYY-MM-DD",
        "date_from_datetime_inexact": f"{field} 应为日期，不能带时间",
        "datetime_type": f"{field} 应为日期时间，格式 YYYY-MM-DDTHH:MM:SS",
        "datetime_parsing": f"{field} 不是有效日期时间，格式应为 YYYY-MM-DDTHH:MM:SS",
        "datetime_from_date_parsing": f"{field} 不是有效日期时间，格式应为 YYYY-MM-DDTHH:MM:SS",
        "enum": f"{field} 取值无效，可选值：{expected}",
        "literal_error": f"{field} 取值无效，可选值：{expected}",
        "greater_than": f"{field} 应大于 {ctx.get('gt', '')}",
        "greater_than_equal": f"{field} 不能小于 {ctx.get('ge', '')}",
        "less_than": f"{field} 应小于 {ctx.get('lt', '')}",
        "less_than_equal": f"{field} 不能大于 {ctx.get('le', '')}",
        "list_type": f"{field} 应为数组",
        "dict_type": "请求体应为 JSON 对象" if field == "请求" else f"{field} 应为 JSON 对象",
        "model_type": "请求体应为 JSON 对象",
        "model_attributes_type": "请求体应为 JSON 对象",
        "extra_forbidden": f"不认识的字段 {field}",
        "json_invalid": MSG_BAD_BODY,
        "none_required": f"{field} 应为空",
    }
    if error.get("null") and kind not in {"missing", "value_error"}:
        return f"{field} 不能为 null"
    if kind in messages:
        return messages[kind]
    if kind == "value_error":
        return f"{field}：{str(ctx.get('error') or error.get('msg', '')).removeprefix('Value error, ')}"
    return f"{field} 取值无效（{error.get('msg', '')}）"


def _loc(loc: Any) -> list[Any]:
    parts = list(loc) if isinstance(loc, list | tuple) else [loc]
    # ninja nests a single body schema under its parameter name (["body", "payload", "name"]);
    # clients only know the field, so drop that level.
    if len(parts) >= 2 and parts[0] == "body" and parts[1] in BODY_PARAM_NAMES:
        parts = [parts[0], *parts[2:]]
    return parts


def ninja_validation_errors(exc: NinjaValidationError) -> list[dict[str, Any]]:
    out = []
    for error in exc.errors:
        if not isinstance(error, dict) or "loc" not in error:
            out.append({"loc": ["query"], "msg": "参数无效", "type": "value_error"})
            continue
        loc = _loc(error["loc"])
        out.append({"loc": loc, "msg": translate_error({**error, "loc": loc}), "type": error.get("type", "")})
        error.pop("null", None)
    return out


def django_validation_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", FIELD_ALIASES.get(field, field)], "msg": str(msg), "type": "value_error"}
            for field, errors in exc.message_dict.items()
            for msg in errors
        ]
    return [{"loc": ["body"], "msg": str(msg), "type": "value_error"} for msg in exc.messages]


# ---------------------------------------------------------------- the API object


def _error_schema() -> dict[str, Any]:
    return {
        "title": "Error",
        "type": "object",
        "properties": {"detail": {"type": "string", "title": "说明"}},
        "required": ["detail"],
    }


def _validation_error_schema() -> dict[str, Any]:
    return {
        "title": "ValidationErrorOut",
        "type": "object",
        "properties": {
            "detail": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "loc": {
                            "type": "array",
                            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        },
                        "msg": {"type": "string"},
                        "type": {"type": "string"},
                    },
                    "required": ["loc", "msg"],
                },
            }
        },
        "required": ["detail"],
    }


STANDARD_ERRORS = {
    "400": ("请求无法解析", "Error"),
    "401": ("未认证：缺少或无效的令牌", "Error"),
    "403": ("无权执行（对象可见但操作不被允许）", "Error"),
    "404": ("不存在，或不在您的范围内", "Error"),
    "405": ("不支持该请求方法", "Error"),
    "422": ("参数校验失败", "ValidationErrorOut"),
}


class DateFirstJSONEncoder(NinjaJSONEncoder):
    """ninja's encoder, with dates and datetimes (most of what an answer holds besides strings
    and numbers) written before the checks for models, URLs, addresses and enums that can never
    match them. The text is the same."""

    def default(self, o: Any) -> Any:
        kind = type(o)
        if kind is dt.date:
            return o.isoformat()
        if kind is dt.datetime:
            return DjangoJSONEncoder.default(self, o)
        return super().default(o)


class ReadableJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Chinese text as is, so curl output stays readable."""

    encoder_class = DateFirstJSONEncoder
    json_dumps_params = {"ensure_ascii": False}


class DangjianAPI(NinjaAPI):
    """NinjaAPI with the platform's error shape in the schema and JSON answers for stray URLs."""

    def validation_error_from_error_contexts(self, error_contexts: list[Any]) -> NinjaValidationError:
        """As ninja's, but remembers which inputs were null so the message can say so."""
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            for item in context.pydantic_validation_error.errors(include_url=False):
                item["loc"] = (model.__ninja_param_source__,) + model.__ninja_flatten_map_reverse__.get(
                    item["loc"], item["loc"]
                )
                item["null"] = item.pop("input", object()) is None
                ctx = item.get("ctx")
                if ctx and isinstance(ctx.get("error"), Exception):
                    ctx["error"] = str(ctx["error"])
                errors.append(dict(item))
        return NinjaValidationError(errors)

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("Error", _error_schema())
        components.setdefault("ValidationErrorOut", _validation_error_schema())
        for item in schema.get("paths", {}).values():
            for method, operation in item.items():
                if not isinstance(operation, dict) or method.startswith("x-"):
                    continue
                responses = operation.setdefault("responses", {})
                for status, (description, ref) in STANDARD_ERRORS.items():
                    if status == "400" and method == "get":
                        continue
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {
                                "application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}
                            },
                        },
                    )
        return schema

    def _get_urls(self) -> list[Any]:
        urls = [self._json_errors(p) if isinstance(p, URLPattern) else p for p in super()._get_urls()]
        urls.append(path("<path:rest>", api_no_route))
        return urls

    @staticmethod
    def _json_errors(pattern: URLPattern) -> URLPattern:
        view = pattern.callback

        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                response = view(request, *args, **kwargs)
            except Http404:  # the bare /api/v1/ root
                return JsonResponse(
                    {"detail": MSG_NO_ROUTE}, status=404, json_dumps_params={"ensure_ascii": False}
                )
            if response.status_code == 405 and not response.get("Content-Type", "").startswith(
                "application/json"
            ):
                json_response = JsonResponse(
                    {"detail": MSG_METHOD}, status=405, json_dumps_params={"ensure_ascii": False}
                )
                if response.has_header("Allow"):
                    json_response["Allow"] = response["Allow"]
                return json_response
            return response

        wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
        return URLPattern(pattern.pattern, wrapped, pattern.default_args, pattern.name)


@csrf_exempt
def api_no_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    return JsonResponse({"detail": MSG_NO_ROUTE}, status=404, json_dumps_params={"ensure_ascii": False})


def build_api(*, auth: Any, title: str, description: str, docs_decorator: Any = None) -> DangjianAPI:
    """An API object with the platform's conventions: the error handlers below, Chinese JSON.

    The project assembles the one instance (``config/api.py``) with the accounts app's
    authentication and every app's router; core imports no domain app."""
    api = DangjianAPI(
        title=title,
        version="1",
        description=description,
        urls_namespace="api",
        auth=auth,
        docs_decorator=docs_decorator,
        renderer=ReadableJSONRenderer(),
    )

    def detail(request: HttpRequest, detail: Any, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": detail}, status=status)

    def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return detail(request, ninja_validation_errors(exc), 422)

    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return detail(request, django_validation_errors(exc), 422)

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message and exc.message != "Unauthorized" else MSG_NO_CREDENTIALS
        response = detail(request, message, 401)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def on_authorization(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        message = exc.message if exc.message and exc.message != "Forbidden" else MSG_FORBIDDEN
        return detail(request, message, 403)

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = exc.message
        if message.startswith("Cannot parse request body"):
            message = MSG_BAD_BODY
        elif message.isascii():  # ninja's own English texts
            message = {401: MSG_NO_CREDENTIALS, 403: MSG_FORBIDDEN, 404: MSG_NOT_FOUND}.get(
                exc.status_code, "请求无效"
            )
        return detail(request, message, exc.status_code)

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        message = str(exc)
        return detail(request, message if message and not message.isascii() else MSG_NOT_FOUND, 404)

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc)
        return detail(request, message if message and not message.isascii() else MSG_FORBIDDEN, 403)

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return detail(request, MSG_SERVER, 500)

    handlers: list[tuple[type[Exception], Any]] = [
        (NinjaValidationError, on_ninja_validation),
        (DjangoValidationError, on_django_validation),
        (AuthenticationError, on_authentication),
        (AuthorizationError, on_authorization),
        (HttpError, on_http_error),
        (Http404, on_404),
        (PermissionDenied, on_permission_denied),
        (Exception, on_unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
    return api
