from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files whose ES module imports point at the hashed names.

    Without the rewrite a page module importing "./realtime.js" would load a second copy
    of the module (unhashed name) beside the hashed one, and open a second socket.
    """

    support_js_module_import_aggregation = True
