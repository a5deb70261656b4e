from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of_repeat_view(client, url: str) -> int:
    """Queries of a page's second view: the first warms caches and makes renditions."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)
