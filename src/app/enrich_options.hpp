// The enrichment flags every command that runs the packet path shares.
#pragma once

#include <CLI/CLI.hpp>

#include "enrich/enricher.hpp"

namespace darkscope {

/// Adds --geo-db, --asn-db and --scanner-list (repeatable) to `cmd`.
inline void add_enrich_data_options(CLI::App* cmd, EnrichOptions& opts) {
  cmd->add_option("--geo-db", opts.geo_db,
                  "MaxMind DB with countries (GeoLite2/GeoIP2 Country or City, or the flat "
                  "country_code schema); default: the installed DB-IP data")
      ->check(CLI::ExistingFile)
      ->group("Enrichment");
  cmd->add_option("--asn-db", opts.asn_db,
                  "ASN data: a GeoLite2-ASN .mmdb, an @ip-location-db/asn CSV file (its IPv4/IPv6 "
                  "sibling is read too) or a directory holding asn-ipv4.csv/asn-ipv6.csv; default: "
                  "the installed data")
      ->check(CLI::ExistingPath)
      ->group("Enrichment");
  cmd->add_option("--scanner-list", opts.scanner_lists,
                  "extra research-scanner list: a file (CIDR lines, 'IP # comment' lines or nftables "
                  "'define name = { ... }' sets) or a directory of <org>_v4.txt/<org>_v6.txt files; "
                  "repeatable")
      ->check(CLI::ExistingPath)
      ->group("Enrichment");
}

/// The data options and --no-enrich: what every packet-path command takes.
inline void add_enrich_options(CLI::App* cmd, EnrichOptions& opts, bool& no_enrich) {
  add_enrich_data_options(cmd, opts);
  cmd->add_flag("--no-enrich", no_enrich, "skip country, ASN and scanner enrichment")->group("Enrichment");
}

}  // namespace darkscope
