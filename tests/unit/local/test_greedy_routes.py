"""chalice local routes `/{proxy+}` as API Gateway does: the most specific route first,
the greedy one for anything else, at any depth."""

from __future__ import annotations

import pytest

from local.greedy_routes import GreedyRouteMatcher

ROUTES = ["/", "/demande", "/demande/merci", "/reponse/{token}", "/api/v1/requests/{id_or_reference}", "/{proxy+}"]


@pytest.mark.parametrize(
    "url, route, captured",
    [
        ("/", "/", {}),
        ("/demande", "/demande", {}),
        ("/demande/merci?ref=X", "/demande/merci", {}),
        ("/reponse/abc", "/reponse/{token}", {"token": "abc"}),
        ("/api/v1/requests/MNT-1", "/api/v1/requests/{id_or_reference}", {"id_or_reference": "MNT-1"}),
        ("/nope", "/{proxy+}", {"proxy": "nope"}),
        ("/a/b/c", "/{proxy+}", {"proxy": "a/b/c"}),
        ("/reponse/abc/def", "/{proxy+}", {"proxy": "reponse/abc/def"}),
        ("/api/v1/nope/", "/{proxy+}", {"proxy": "api/v1/nope"}),
    ],
)
def test_specific_routes_win_and_the_greedy_one_takes_the_rest(url, route, captured):
    match = GreedyRouteMatcher(ROUTES).match_route(url)
    assert (match.route, match.captured) == (route, captured)


def test_the_longest_greedy_prefix_wins_and_the_query_is_kept():
    match = GreedyRouteMatcher(["/{proxy+}", "/api/{rest+}"]).match_route("/api/x/y?a=1")
    assert (match.route, match.captured, match.query_params) == ("/api/{rest+}", {"rest": "x/y"}, {"a": ["1"]})


def test_without_a_greedy_route_an_unknown_path_is_still_unknown():
    with pytest.raises(ValueError):
        GreedyRouteMatcher(["/", "/demande"]).match_route("/a/b")
