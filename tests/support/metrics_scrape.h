// File: tests/support/metrics_scrape.h
//
// Scraping a server's Prometheus /metrics endpoint over HTTP, as Prometheus does, and
// reading one sample from the text.
#pragma once

#include <string>

namespace testing_support {

struct Scrape {
  int status = 0;  // HTTP status; 0 when the request failed
  std::string content_type;
  std::string body;
};

// GET http://127.0.0.1:port/path with 5 s timeouts.
Scrape ScrapeHttp(int port, const std::string& path = "/metrics");

// The value of the sample `series` (name{labels}, exactly as exposed) in a scrape body, or -1
// when absent.
double SampleValue(const std::string& body, const std::string& series);

// The sum of every sample of metric `name` (all label sets); 0 when there is none.
double SumSamples(const std::string& body, const std::string& name);

}  // namespace testing_support
