"""The API token page: list one's own tokens, create one (the secret is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import TokenCreateForm

# The new secret travels to the next page through the session once, so a reload never shows it.
SESSION_NEW_SECRET = "_new_api_token"


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            request.session[SESSION_NEW_SECRET] = {"id": token.pk, "secret": secret}
            return redirect("accounts:tokens")
    new = request.session.pop(SESSION_NEW_SECRET, None)
    context = {
        "form": form,
        "tokens": selectors.token_list(user=request.user),
        "new_secret": new["secret"] if new else None,
        "new_id": new["id"] if new else None,
    }
    return render(request, "accounts/tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.access_token(user=request.user, pk=pk)
    services.token_revoke(token=token, actor=request.user)
    messages.success(request, f"令牌 {token.prefix}… 已吊销，使用它的程序将无法再访问")
    return redirect("accounts:tokens")
