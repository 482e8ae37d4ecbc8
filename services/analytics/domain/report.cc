#include "services/analytics/domain/report.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/analytics/domain/decimal.h"
#include "services/analytics/domain/figures.h"
#include "services/analytics/domain/vi_format.h"

namespace analytics {
namespace {

namespace v1 = ::dangbo::analytics::v1;
using v1::Figure;
using v1::PartyStatistics;
using v1::ReportRow;
using v1::ReportSection;

constexpr char kPercent[] = "%";

Figure Count(int64_t n) { return ValueFigure(n * kMicrosPerUnit, false); }

ReportRow Row(const std::string& key, const std::string& label, const Figure& figure,
              const std::string& unit, std::string text) {
  ReportRow row;
  row.set_key(key);
  row.set_label(label);
  if (figure.status() == Figure::OK) row.set_value(FormatNumberVi(figure.value().value()));
  row.set_unit(unit);
  row.set_text(std::move(text));
  row.set_status(figure.status());
  *row.mutable_figure() = figure;
  return row;
}

ReportRow ValueRow(const std::string& key, const std::string& label, const Figure& figure,
                   const std::string& unit) {
  return Row(key, label, figure, unit, FigureTextVi(figure, unit));
}

ReportRow PercentRow(const std::string& key, const std::string& label, const Figure& figure) {
  return Row(key, label, figure, kPercent, PercentTextVi(figure));
}

ReportRow ChangeRow(const std::string& key, const std::string& label, const Figure& figure) {
  return Row(key, label, figure, kPercent, ChangeTextVi(figure));
}

std::string TargetLabel(v1::Target::Type type) {
  switch (type) {
    case v1::Target::STRIVING:
      return "chỉ tiêu phấn đấu";
    case v1::Target::ADJUSTED:
      return "chỉ tiêu điều chỉnh";
    default:
      return "chỉ tiêu được giao";
  }
}

std::string Capitalized(const std::string& label) {
  // The labels are Vietnamese words starting with a plain ASCII letter ("chỉ tiêu ...").
  std::string out = label;
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string IndicatorId(const v1::Indicator& indicator) {
  return indicator.name().substr(indicator.name().rfind('/') + 1);
}

std::string UnitOf(const v1::Indicator& indicator) {
  return indicator.unit_display().empty() ? indicator.unit() : indicator.unit_display();
}

std::string Years(int from, int to) { return absl::StrCat(from, "–", to); }

// "Năm 2019 đạt 3.802,3 tỷ đồng, tăng 80,8% so với đầu nhiệm kỳ (năm 2015 đạt 2.103,4 tỷ
// đồng)." for a term; "Năm 2019 đạt …, bằng 155,8% chỉ tiêu được giao, tăng 13,5% so với năm
// 2018." for a year.
std::string IndicatorSummary(const ReportInput& in, const IndicatorPerformance& p,
                             const std::string& unit) {
  const int y = in.year;
  if (p.actual().status() != Figure::OK) {
    return absl::StrCat("Năm ", y, ": ", MissingText(p.actual().status()), ".");
  }
  std::string out = absl::StrCat("Năm ", y, " đạt ", FigureTextVi(p.actual(), unit));
  if (in.kind == GenerateReportResponse::TERM) {
    const int start = in.term.start_year();
    const Figure& growth = p.growth_vs_term_start_percent();
    if (growth.status() == Figure::OK) {
      absl::StrAppend(&out, ", ", ChangeTextVi(growth), " so với đầu nhiệm kỳ (năm ", start,
                      " đạt ", FigureTextVi(p.term_start_actual(), unit), ").");
    } else {
      absl::StrAppend(&out, "; so với đầu nhiệm kỳ (năm ", start,
                      "): ", MissingText(growth.status()), ".");
    }
    return out;
  }
  for (const v1::TargetAttainment& t : p.targets()) {
    if (t.type() == v1::Target::LEGAL && t.attainment_percent().status() == Figure::OK) {
      absl::StrAppend(&out, ", bằng ", PercentTextVi(t.attainment_percent()), " ",
                      TargetLabel(t.type()));
    }
  }
  const Figure& growth = p.growth_vs_previous_year_percent();
  if (growth.status() == Figure::OK) {
    absl::StrAppend(&out, ", ", ChangeTextVi(growth), " so với năm ", y - 1, ".");
  } else {
    absl::StrAppend(&out, "; so với năm ", y - 1, ": ", MissingText(growth.status()), ".");
  }
  return out;
}

ReportRow RankRow(const RegionRank& rank) {
  const std::string label = rank.region.empty()
                                ? "Xếp hạng trong khu vực"
                                : absl::StrCat("Xếp hạng trong khu vực ", rank.region);
  if (rank.region.empty()) {
    const Figure none = MissingFigure(Figure::NOT_APPLICABLE);
    return ValueRow("rank_in_region", label, none, "");
  }
  if (!rank.rank.has_value()) {
    const Figure none = MissingFigure(rank.metric.status() == Figure::OK ? Figure::MISSING_VALUE
                                                                         : rank.metric.status());
    return ValueRow("rank_in_region", label, none, "");
  }
  return Row("rank_in_region", label, Count(*rank.rank), "",
             absl::StrCat(rank.tied ? "đồng hạng " : "thứ ", *rank.rank, "/", rank.total_ranked));
}

ReportSection IndicatorSection(const ReportInput& in, const ReportIndicator& ri) {
  const IndicatorPerformance& p = ri.year;
  const std::string unit = UnitOf(ri.indicator);
  const int y = in.year;
  const int start = in.term.start_year();
  ReportSection s;
  s.set_key(absl::StrCat("indicators/", IndicatorId(ri.indicator)));
  s.set_title(ri.indicator.display_name().empty() ? IndicatorId(ri.indicator)
                                                  : ri.indicator.display_name());
  s.set_summary(IndicatorSummary(in, p, unit));
  *s.add_rows() = ValueRow("actual", absl::StrCat("Thực hiện năm ", y), p.actual(), unit);
  bool legal = false;
  for (const v1::TargetAttainment& t : p.targets()) {
    legal = legal || t.type() == v1::Target::LEGAL;
    const std::string type = v1::Target::Type_Name(t.type());
    Figure target;
    target.set_status(Figure::OK);
    *target.mutable_value() = t.target();
    *s.add_rows() =
        ValueRow(absl::StrCat("target.", type),
                 absl::StrCat(Capitalized(TargetLabel(t.type())), " năm ", y), target, unit);
    *s.add_rows() = PercentRow(absl::StrCat("attainment.", type),
                               absl::StrCat("Tỷ lệ đạt so với ", TargetLabel(t.type())),
                               t.attainment_percent());
  }
  if (!legal) {
    *s.add_rows() = ValueRow("target.LEGAL", absl::StrCat("Chỉ tiêu được giao năm ", y),
                             MissingFigure(Figure::MISSING_VALUE), unit);
  }
  *s.add_rows() = ChangeRow("growth_vs_previous_year", absl::StrCat("So với năm ", y - 1),
                            p.growth_vs_previous_year_percent());
  *s.add_rows() =
      ChangeRow("growth_vs_term_start", absl::StrCat("So với đầu nhiệm kỳ (năm ", start, ")"),
                p.growth_vs_term_start_percent());
  if (ri.term.has_value()) {
    const IndicatorTermSummary& t = *ri.term;
    *s.add_rows() =
        ChangeRow("cagr", absl::StrCat("Bình quân hằng năm ", Years(start, y)), t.cagr_percent());
    const std::string met_label =
        absl::StrCat("Số năm đạt chỉ tiêu được giao (", Years(start, y), ")");
    if (t.years_with_target() == 0) {
      *s.add_rows() =
          ValueRow("years_target_met", met_label, MissingFigure(Figure::MISSING_VALUE), "năm");
    } else {
      *s.add_rows() =
          Row("years_target_met", met_label, Count(t.years_target_met_count()), "năm",
              absl::StrCat(t.years_target_met_count(), "/", t.years_with_target(), " năm"));
    }
    *s.add_rows() = ValueRow("cumulative_total", absl::StrCat("Tổng cộng ", Years(start, y)),
                             t.cumulative_total(), unit);
  }
  *s.add_rows() = RankRow(ri.rank);
  return s;
}

// Dues and meeting attendance, the one place to read them from the statistics: missing when
// no cell closed a month of the year (no remittance) or no attendance was recorded, since
// a committee collects dues and holds meetings every month: their absence is data not
// entered, not a zero.
Figure DuesCollected(const PartyStatistics* statistics) {
  if (statistics == nullptr || statistics->dues().cell_months() == 0) {
    return MissingFigure(Figure::MISSING_VALUE);
  }
  return Count(statistics->dues().collected());
}
Figure MeetingAttendance(const PartyStatistics* statistics) {
  if (statistics == nullptr) return MissingFigure(Figure::MISSING_VALUE);
  const PartyStatistics::Meetings& m = statistics->meetings();
  const int64_t recorded = int64_t{m.present()} + m.excused() + m.absent();
  if (recorded == 0) return MissingFigure(Figure::MISSING_VALUE);
  return RatioPercent(m.present(), recorded, false);
}

std::string DayText(const PartyStatistics& st) {
  return absl::StrFormat("%02d/%02d/%04d", st.as_of().day(), st.as_of().month(), st.as_of().year());
}

// Whether the party rows are one per statistic and year (a term report, printed as a table
// with one column per year) or of the report's year alone.
bool PerYear(const ReportInput& in) { return in.kind == GenerateReportResponse::TERM; }

// "năm 2019" for a yearly report, "các năm 2015–2019" for a term report.
std::string PartyPeriod(const ReportInput& in) {
  return PerYear(in) ? absl::StrCat("các năm ", Years(in.term.start_year(), in.year))
                     : absl::StrCat("năm ", in.year);
}

// A party section's rows for one year and the sentence summing that year up. Every year of a
// section has the same rows in the same order, so a term's rows can be laid out per year.
struct YearRows {
  std::string summary;
  std::vector<ReportRow> rows;
};

// `per_year`: the row labels leave the year out (it is the table's column).
using YearBuilder = YearRows (*)(const PartyStatistics* st, int y, bool per_year);

ReportSection PartySection(const ReportInput& in, const std::string& key, const std::string& title,
                           YearBuilder build) {
  ReportSection s;
  s.set_key(key);
  s.set_title(title);
  const std::vector<int> years = PartyYears(in);
  std::vector<YearRows> of_year;
  for (int y : years) {
    const auto it = in.party.find(y);
    of_year.push_back(build(it != in.party.end() ? &it->second : nullptr, y, PerYear(in)));
  }
  // The summary states the last year, as the report's other sections do.
  s.set_summary(of_year.back().summary);
  for (size_t row = 0; row < of_year.back().rows.size(); ++row) {
    for (size_t i = 0; i < years.size(); ++i) {
      ReportRow* out = s.add_rows();
      *out = of_year[i].rows[row];
      out->set_year(years[i]);
    }
  }
  return s;
}

YearRows MembersOfYear(const PartyStatistics* st, int y, bool per_year) {
  auto count = [st](int64_t n) {
    return st != nullptr ? Count(n) : MissingFigure(Figure::MISSING_VALUE);
  };
  auto label = [&](const std::string& of_term, const std::string& of_year) {
    return per_year ? of_term : of_year;
  };
  YearRows out;
  const std::string at =
      st != nullptr ? absl::StrCat("ngày ", DayText(*st)) : absl::StrCat("cuối năm ", y);
  if (st == nullptr) {
    out.summary = absl::StrCat("Năm ", y, ": ", kMissingData, ".");
  } else {
    out.summary = absl::StrCat(
        "Đến ", at, " có ", FormatNumberVi(absl::StrCat(st->cells())), " chi bộ trực thuộc với ",
        FormatNumberVi(absl::StrCat(st->members_total())), " đảng viên (",
        FormatNumberVi(absl::StrCat(st->members_full())), " chính thức, ",
        FormatNumberVi(absl::StrCat(st->members_probationary())), " dự bị); trong năm kết nạp ",
        FormatNumberVi(absl::StrCat(st->admissions())), " đảng viên.");
  }
  const PartyStatistics none;
  const PartyStatistics& v = st != nullptr ? *st : none;
  out.rows = {
      ValueRow(
          "cells",
          label("Chi bộ trực thuộc (cuối năm)", absl::StrCat("Chi bộ trực thuộc (đến ", at, ")")),
          count(v.cells()), "chi bộ"),
      ValueRow(
          "members_total",
          label("Tổng số đảng viên (cuối năm)", absl::StrCat("Tổng số đảng viên (đến ", at, ")")),
          count(v.members_total()), "đảng viên"),
      ValueRow("members_full", "Đảng viên chính thức", count(v.members_full()), "đảng viên"),
      ValueRow("members_probationary", "Đảng viên dự bị", count(v.members_probationary()),
               "đảng viên"),
      ValueRow("admissions",
               label("Kết nạp đảng viên mới", absl::StrCat("Kết nạp đảng viên mới năm ", y)),
               count(v.admissions()), "đảng viên"),
      ValueRow("recognitions",
               label("Công nhận đảng viên chính thức",
                     absl::StrCat("Công nhận đảng viên chính thức năm ", y)),
               count(v.recognitions()), "đảng viên"),
      ValueRow("removals",
               label("Ra khỏi danh sách (xóa tên, khai trừ, từ trần)",
                     absl::StrCat("Ra khỏi danh sách năm ", y, " (xóa tên, khai trừ, từ trần)")),
               count(v.removals().total()), "đảng viên"),
  };
  return out;
}

YearRows RatingsOfYear(const PartyStatistics* st, int y, bool) {
  const bool rated = st != nullptr && st->member_ratings().rated() > 0;
  const PartyStatistics::RatingDistribution r =
      rated ? st->member_ratings() : PartyStatistics::RatingDistribution();
  auto count = [rated](int64_t n) {
    return rated ? Count(n) : MissingFigure(Figure::MISSING_VALUE);
  };
  const struct {
    const char* key;
    const char* label;
    int count;
  } levels[] = {{"rating.excellent", "hoàn thành xuất sắc nhiệm vụ", r.excellent()},
                {"rating.good", "hoàn thành tốt nhiệm vụ", r.good()},
                {"rating.completed", "hoàn thành nhiệm vụ", r.completed()},
                {"rating.not_completed", "không hoàn thành nhiệm vụ", r.not_completed()},
                {"rating.unrated", "chưa được xếp loại", r.unrated()}};
  YearRows out;
  std::vector<std::string> parts;
  for (const auto& level : levels) {
    out.rows.push_back(
        ValueRow(level.key, Capitalized(level.label), count(level.count), "đảng viên"));
    if (rated)
      parts.push_back(absl::StrCat(FormatNumberVi(absl::StrCat(level.count)), " ", level.label));
  }
  out.summary = rated ? absl::StrCat("Năm ", y, " có ", FormatNumberVi(absl::StrCat(r.rated())),
                                     " đảng viên được xếp loại: ", absl::StrJoin(parts, "; "), ".")
                      : absl::StrCat("Năm ", y, ": ", kMissingData, " xếp loại đảng viên.");
  return out;
}

YearRows InspectionsOfYear(const PartyStatistics* st, int y, bool) {
  const bool planned = st != nullptr && st->inspections().plans() > 0;
  const PartyStatistics::Inspections i =
      planned ? st->inspections() : PartyStatistics::Inspections();
  auto count = [planned](int64_t n) {
    return planned ? Count(n) : MissingFigure(Figure::MISSING_VALUE);
  };
  const Figure completion = !planned ? MissingFigure(Figure::MISSING_VALUE)
                            : i.items_planned() == 0
                                ? MissingFigure(Figure::ZERO_BASE)
                                : RatioPercent(i.items_completed(), i.items_planned(), false);
  YearRows out;
  if (planned) {
    out.summary =
        absl::StrCat("Năm ", y, " hoàn thành ", FormatNumberVi(absl::StrCat(i.items_completed())),
                     "/", FormatNumberVi(absl::StrCat(i.items_planned())),
                     " cuộc kiểm tra, giám sát theo kế hoạch (", PercentTextVi(completion), ").");
  } else {
    out.summary = absl::StrCat("Năm ", y, ": ", kMissingData, " kế hoạch kiểm tra, giám sát.");
  }
  out.rows = {
      ValueRow("plans", "Kế hoạch kiểm tra, giám sát", count(i.plans()), "kế hoạch"),
      ValueRow("items_planned", "Cuộc kiểm tra, giám sát theo kế hoạch", count(i.items_planned()),
               "cuộc"),
      ValueRow("items_completed", "Đã hoàn thành", count(i.items_completed()), "cuộc"),
      PercentRow("completion", "Tỷ lệ hoàn thành", completion),
      ValueRow("items_with_violation", "Phát hiện vi phạm", count(i.items_with_violation()),
               "cuộc"),
  };
  return out;
}

YearRows DuesAndMeetingsOfYear(const PartyStatistics* st, int y, bool per_year) {
  YearRows out;
  const ReportRow dues = ValueRow(
      "dues_collected", per_year ? "Đảng phí đã thu" : absl::StrCat("Đảng phí đã thu năm ", y),
      DuesCollected(st), "đồng");
  const ReportRow attendance = PercentRow(
      "meeting_attendance", "Tỷ lệ đảng viên dự sinh hoạt chi bộ", MeetingAttendance(st));
  out.summary = absl::StrCat("Năm ", y, ": đảng phí đã thu ", dues.text(),
                             "; tỷ lệ đảng viên dự sinh hoạt chi bộ ", attendance.text(), ".");
  out.rows = {dues, attendance};
  return out;
}

// Text from the data (names, units) may hold Markdown's own characters.
std::string Md(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (c == '\\' || c == '`' || c == '*' || c == '_' || c == '|' || c == '[' || c == ']' ||
        c == '<' || c == '>' || c == '#') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

void AppendHeading(int number, const ReportSection& s, std::string* md) {
  absl::StrAppend(md, "### ", number, ". ", Md(s.title()), "\n\n");
  if (!s.summary().empty()) absl::StrAppend(md, Md(s.summary()), "\n\n");
}

void AppendSection(int number, const ReportSection& s, std::string* md) {
  AppendHeading(number, s, md);
  absl::StrAppend(md, "| Nội dung | Số liệu |\n| --- | --- |\n");
  for (const ReportRow& row : s.rows()) {
    absl::StrAppend(md, "| ", Md(row.label()), " | ", Md(row.text()), " |\n");
  }
  absl::StrAppend(md, "\n");
}

// A term's party section as a committee prints it: one line per statistic, one column per
// year ("2026 (đến 07/12)" for a year not yet over), a year without data "chưa có số liệu".
void AppendYearTable(int number, const ReportSection& s, const ReportInput& in, std::string* md) {
  AppendHeading(number, s, md);
  const std::vector<int> years = PartyYears(in);
  std::string header = "| Nội dung |";
  std::string rule = "| --- |";
  for (int y : years) {
    const auto it = in.party.find(y);
    const bool partial = it != in.party.end() && it->second.partial_year();
    absl::StrAppend(&header, " ", y,
                    partial ? absl::StrFormat(" (đến %02d/%02d)", it->second.as_of().day(),
                                              it->second.as_of().month())
                            : "",
                    " |");
    absl::StrAppend(&rule, " --- |");
  }
  absl::StrAppend(md, header, "\n", rule, "\n");
  // PartySection lays the rows out statistic by statistic, a row per year within each.
  for (int i = 0; i + static_cast<int>(years.size()) <= s.rows_size();
       i += static_cast<int>(years.size())) {
    absl::StrAppend(md, "| ", Md(s.rows(i).label()), " |");
    for (size_t j = 0; j < years.size(); ++j) {
      absl::StrAppend(md, " ", Md(s.rows(i + static_cast<int>(j)).text()), " |");
    }
    absl::StrAppend(md, "\n");
  }
  absl::StrAppend(md, "\n");
}

std::string Markdown(const ReportInput& in, const GenerateReportResponse& report,
                     size_t indicator_sections) {
  std::string md = absl::StrCat("# ", Md(report.title()), "\n\n");
  if (!in.display_name.empty()) absl::StrAppend(&md, "**", Md(in.display_name), "** ");
  absl::StrAppend(&md, "(`", in.organization, "`)\n\n");
  absl::StrAppend(&md, "## I. Kết quả thực hiện các chỉ tiêu\n\n");
  if (indicator_sections == 0) absl::StrAppend(&md, "Chưa có chỉ tiêu nào được ghi nhận.\n\n");
  for (size_t i = 0; i < indicator_sections; ++i) {
    AppendSection(static_cast<int>(i + 1), report.sections(static_cast<int>(i)), &md);
  }
  absl::StrAppend(&md, "## II. Công tác xây dựng Đảng ", PartyPeriod(in), "\n\n");
  for (int i = static_cast<int>(indicator_sections); i < report.sections_size(); ++i) {
    const int number = i - static_cast<int>(indicator_sections) + 1;
    if (PerYear(in)) {
      AppendYearTable(number, report.sections(i), in, &md);
    } else {
      AppendSection(number, report.sections(i), &md);
    }
  }
  md.pop_back();  // one newline at the end
  return md;
}

}  // namespace

std::vector<int> PartyYears(const ReportInput& in) {
  if (in.kind != GenerateReportResponse::TERM) return {in.year};
  std::vector<int> years;
  for (int y = in.term.start_year(); y <= in.year; ++y) years.push_back(y);
  if (years.empty()) years.push_back(in.year);  // a term starting after its last year
  return years;
}

GenerateReportResponse BuildReport(const ReportInput& in) {
  GenerateReportResponse out;
  out.set_organization(in.organization);
  out.set_display_name(in.display_name);
  out.set_kind(in.kind);
  out.set_year(in.year);
  *out.mutable_term() = in.term;
  if (in.kind == GenerateReportResponse::TERM) {
    out.set_title(absl::StrCat(
        "Báo cáo số liệu nhiệm kỳ ", Years(in.term.start_year(), in.term.end_year()),
        in.year < in.term.end_year() ? absl::StrCat(" (đến hết năm ", in.year, ")") : ""));
  } else {
    out.set_title(absl::StrCat("Báo cáo số liệu năm ", in.year));
  }
  for (const ReportIndicator& indicator : in.indicators) {
    *out.add_sections() = IndicatorSection(in, indicator);
  }
  *out.add_sections() =
      PartySection(in, "party/members", "Tổ chức đảng và đảng viên", MembersOfYear);
  *out.add_sections() =
      PartySection(in, "party/ratings",
                   absl::StrCat("Đánh giá, xếp loại đảng viên ", PartyPeriod(in)), RatingsOfYear);
  *out.add_sections() =
      PartySection(in, "party/inspections", absl::StrCat("Kiểm tra, giám sát ", PartyPeriod(in)),
                   InspectionsOfYear);
  *out.add_sections() = PartySection(in, "party/dues_and_meetings",
                                     absl::StrCat("Đảng phí và sinh hoạt chi bộ ", PartyPeriod(in)),
                                     DuesAndMeetingsOfYear);
  out.set_markdown(Markdown(in, out, in.indicators.size()));
  return out;
}

}  // namespace analytics
