"""Run the provincial IdP and two city apps on localhost, each on its own port.

    python3 examples/sso/deployment.py            # ports 8400 (IdP), 8401, 8402
    python3 examples/sso/deployment.py --port 0   # any free ports

Then open the first city app, sign in as ``zhangsan`` / ``correct horse``, open the second:
you are already signed in. "Sign out everywhere" signs you out of both.
"""

from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass, field

from city_app import CityApp
from provincial_idp import ProvincialIdP
from werkzeug.serving import BaseWSGIServer, make_server

from trustkit.sso import Client

HOST = "127.0.0.1"


@dataclass
class Deployment:
    idp: ProvincialIdP
    cities: tuple[CityApp, CityApp]
    servers: list[BaseWSGIServer] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def url(self, server: BaseWSGIServer) -> str:
        return f"http://{HOST}:{server.server_port}"

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for thread in self.threads:
            thread.join(timeout=5)


def start(base_port: int = 0) -> Deployment:
    """Bind all three servers, wire the registrations to the real URLs, start serving."""
    cities = (
        CityApp("city_a", "广州政务服务 (city A)", "city-a", "secret-a-" + "x" * 24),
        CityApp("city_b", "深圳政务服务 (city B)", "city-b", "secret-b-" + "y" * 24),
    )
    idp_server = make_server(HOST, base_port, None, threaded=True)  # type: ignore[arg-type]
    issuer = f"http://{HOST}:{idp_server.server_port}"
    idp = ProvincialIdP(issuer)
    idp_server.app = idp.app
    deployment = Deployment(idp, cities, [idp_server])
    for offset, city in enumerate(cities, start=1):
        server = make_server(HOST, base_port + offset if base_port else 0, city.app, threaded=True)
        deployment.servers.append(server)
        city.configure(deployment.url(server), issuer)
        idp.register(
            Client.register(
                city.client_id,
                secret=city.client_secret,
                redirect_uris=(city.redirect_uri,),
                backchannel_logout_uri=f"{city.base_url}/backchannel-logout",
                post_logout_redirect_uris=(f"{city.base_url}/",),
            )
        )
    for server in deployment.servers:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
        thread.daemon = True
        thread.start()
        deployment.threads.append(thread)
    return deployment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8400, help="IdP port; cities use +1, +2")
    deployment = start(parser.parse_args().port)
    print(f"provincial IdP: {deployment.idp.issuer}")
    for city, server in zip(deployment.cities, deployment.servers[1:], strict=True):
        print(f"{city.title}: {deployment.url(server)}/")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        deployment.stop()


if __name__ == "__main__":
    main()
