"""Who is using the dashboard: the local user, or a user signed in through Streamlit's OIDC
support (st.login) when `.streamlit/secrets.toml` has an `[auth]` section (a shared
deployment; docs/deployment.md). Roles and groups come from its `[access]` section."""
from __future__ import annotations

import streamlit as st

from analytics.data.access import LOCAL, User, user_from_config


def shared_deployment() -> bool:
    """Sign-in is configured: every user must sign in and gets a private workspace."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def current_user() -> User | None:
    """The user of this session; None in a shared deployment before sign-in."""
    if not shared_deployment():
        return LOCAL
    if not st.user.get("is_logged_in", False):
        return None
    config = st.secrets.get("access", {})
    return user_from_config(st.user.to_dict(), config.to_dict() if hasattr(config, "to_dict") else dict(config))


def sign_in_page() -> None:
    """The only page a signed-out user sees in a shared deployment."""
    st.title("Disproportionality dashboard")
    st.markdown("This dashboard holds data about children. Sign in with your organisation's "
                "account to continue.")
    if st.button("Sign in", type="primary", icon=":material/login:"):
        st.login()


def account_box(user: User) -> None:
    """Who is signed in, their role, and where their data live (sidebar)."""
    if user.local:
        st.caption("Local mode: no sign-in. Data you import stay on this machine, in this "
                   "dashboard's `data/user` folder.")
        return
    groups = f"; groups: {', '.join(user.groups)}" if user.groups else ""
    st.caption(f"Signed in as **{user.name}** ({user.role}{groups}).")
    if st.button("Sign out", icon=":material/logout:", key="sign-out"):
        st.logout()
