// One function per panel, each in its own file (panel_*.cpp).
#pragma once

namespace opsim::ui {

class App;

void draw_menu(App& app);  // panel_menu.cpp
// panel_exercise.cpp: the statement, the objectives passing or failing live, hints one at a
// time, the final grade, and the reference solution for teachers; without an exercise
// section, the objectives and the grade alone (the Objectives tab).
void draw_exercise(App& app);
void draw_toolbar(App& app);  // panel_toolbar.cpp: play, pause, step, reset, seed, speed
void draw_overview(App& app);  // panel_overview.cpp: time, events/s, requests, latency, errors
void draw_services(App& app);  // panel_services.cpp: services and their instances
void draw_tenants(App& app);  // panel_tenants.cpp: load, latency and errors per tenant
void draw_plots(App& app);  // panel_plots.cpp: the time-series plots, a focused node's first
void draw_graph(App& app);  // panel_graph.cpp: services, agents and calls coloured by health
void draw_explore(App& app);  // panel_explore.cpp: a PromQL expression plotted live with its series
void draw_events(App& app);
void draw_compare(App& app);  // panel_compare.cpp: variant B beside A, figures side by side, plots overlaid
  // panel_events.cpp: event log with filters by kind
void draw_alerts(App& app);  // panel_alerts.cpp: rules and their states (editable live), alert and scaling events
void draw_scaling(App& app);  // panel_scaling.cpp: fleet, decisions, scaling report, forecasts, what-if
void draw_performance(App& app);  // panel_performance.cpp: performance score, bottlenecks, optimisation plan
void draw_slos(App& app);  // panel_slos.cpp: SLIs, error budgets, burn rates and burn-rate alerts
void draw_incidents(App& app);  // panel_incidents.cpp: service status, incidents, response plans, postmortems
void draw_sre(App& app);  // panel_sre.cpp: availability against targets, budgets, incidents, trends, recommendations
void draw_deployments(App& app);  // panel_deployments.cpp: rollouts, canary analyses, roll back now
void draw_chaos(App& app);  // panel_chaos.cpp: experiments, probes, a new experiment, faults injected now
void draw_context(App& app);  // panel_context.cpp: providers, caches, what a user receives
void draw_editor(App& app);  // panel_editor.cpp: the scenario's JSON with errors at their lines
void draw_library(App& app);  // panel_library.cpp: the bundled examples with their files, built-in scenarios
// panel_files.cpp: the running scenario's files, the user's files, a lone trace's tenant;
// and the notice under the toolbar of what the last files did.
void draw_files(App& app);
void draw_files_notice(App& app);

}  // namespace opsim::ui
