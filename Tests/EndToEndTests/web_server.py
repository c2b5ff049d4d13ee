"""A web server that is not Appwrite: every path answers 404 with an HTML page.

    web_server.py   -- prints its port, then each request's User-Agent; serves until killed
"""
import http.server


class Page(http.server.BaseHTTPRequestHandler):
    def answer(self):
        print("user-agent: %s" % self.headers.get("User-Agent"), flush=True)
        body = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = answer

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
print(server.server_address[1], flush=True)
server.serve_forever()
