"""Run by Debian's Python with QGIS (python3-qgis): open Tsuho's OGC API collections through
QGIS's OAPIF provider, the token in a Basic authentication config, as an analyst would.

Usage: open_layers.py BASE_URL TOKEN. Prints a JSON object: per collection, whether the
layer is valid, the features read and the first feature's attributes.
"""

import faulthandler
import json
import os
import sys

from qgis.core import QgsApplication
from qgis.core import QgsAuthMethodConfig
from qgis.core import QgsVectorLayer


def main(base: str, token: str) -> dict:
    faulthandler.enable()
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    auth = QgsApplication.authManager()
    auth.setMasterPassword("tsuho-test", True)
    config = QgsAuthMethodConfig()
    config.setMethod("Basic")
    config.setName("tsuho")
    config.setConfig("username", "token")
    config.setConfig("password", token)
    auth.storeAuthenticationConfig(config)
    found = {}
    for name in ("reports", "wards"):
        uri = f"url='{base}/ogc' typename='{name}' authcfg='{config.id()}' pageSize='7'"
        layer = QgsVectorLayer(uri, name, "OAPIF")
        valid = layer.isValid()
        fields = [field.name() for field in layer.fields()] if valid else []
        key = "receipt_number" if name == "reports" else "code"
        values = [str(f[key]) for f in layer.getFeatures()] if valid else []
        found[name] = {
            "valid": valid,
            "count": len(values),
            key: sorted(values),
            "fields": fields,
            "crs": layer.crs().authid() if valid else "",
        }
        print(name, found[name]["valid"], found[name]["count"], file=sys.stderr, flush=True)
    return found


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])), flush=True)
    # QGIS 3.22 may crash tearing its providers down (exitQgis); the answer is out by now.
    os._exit(0)
