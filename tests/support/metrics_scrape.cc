#include "tests/support/metrics_scrape.h"

#include "httplib.h"

namespace testing_support {

Scrape ScrapeHttp(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  Scrape scrape;
  if (auto response = client.Get(path.c_str())) {
    scrape.status = response->status;
    scrape.content_type = response->get_header_value("Content-Type");
    scrape.body = response->body;
  }
  return scrape;
}

double SampleValue(const std::string& body, const std::string& series) {
  const std::string prefix = series + " ";
  size_t at = 0;
  while ((at = body.find(prefix, at)) != std::string::npos) {
    if (at == 0 || body[at - 1] == '\n') {
      return std::stod(body.substr(at + prefix.size()));
    }
    at += prefix.size();
  }
  return -1;
}

double SumSamples(const std::string& body, const std::string& name) {
  double sum = 0;
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (end == std::string::npos) end = body.size();
    const std::string line = body.substr(at, end - at);
    if (line.rfind(name, 0) == 0 && line.size() > name.size() &&
        (line[name.size()] == '{' || line[name.size()] == ' ')) {
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    at = end + 1;
  }
  return sum;
}

}  // namespace testing_support
