//! The status of every keepalived keyword. Classified by what the run time (crates daemon,
//! check, keepalived-rs) reads of the model field the parser fills: a field read only by the
//! dumps (`-d`, SIGUSR1) does not count as acting.

use super::Rule;
use super::Status::{Acts, Cosmetic, NotSupported};

const ROOT: &[&str] = &["root"];
const GLOBAL: &[&str] = &["global_defs"];
const VI: &[&str] = &["vrrp_instance"];
const SG: &[&str] = &["vrrp_sync_group"];
const VS: &[&str] = &["virtual_server"];
const RS: &[&str] = &["virtual_server/real_server"];
const VS_RS: &[&str] = &["virtual_server", "virtual_server/real_server"];
const TRACK_FILE: &[&str] = &["track_file", "vrrp_track_file"];
/// The root SSL block's test.
const SSL: &str =
    "crates/check/src/plan/ssl_tests.rs::ssl_client_certificate_key_password_and_ca_as_keepalived";
/// The checker child's process settings and name.
const CHECKER_CHILD: &str =
    "crates/keepalived-rs/tests/checker_keywords.rs::checker_child_settings_and_name_show_in_proc";
/// Every checker with keepalived's common checker keywords.
const CHECKERS: &[&str] = &[
    "virtual_server/real_server/TCP_CHECK",
    "virtual_server/real_server/HTTP_GET",
    "virtual_server/real_server/SSL_GET",
    "virtual_server/real_server/SMTP_CHECK",
    "virtual_server/real_server/DNS_CHECK",
    "virtual_server/real_server/UDP_CHECK",
    "virtual_server/real_server/PING_CHECK",
    "virtual_server/real_server/MISC_CHECK",
];
/// The checkers that open a connection (MISC_CHECK runs a script).
const CONN_CHECKERS: &[&str] = &[
    "virtual_server/real_server/TCP_CHECK",
    "virtual_server/real_server/HTTP_GET",
    "virtual_server/real_server/SSL_GET",
    "virtual_server/real_server/SMTP_CHECK",
    "virtual_server/real_server/DNS_CHECK",
    "virtual_server/real_server/UDP_CHECK",
    "virtual_server/real_server/PING_CHECK",
];
const HTTP: &[&str] = &[
    "virtual_server/real_server/HTTP_GET",
    "virtual_server/real_server/SSL_GET",
];
const URL: &[&str] = &[
    "virtual_server/real_server/HTTP_GET/url",
    "virtual_server/real_server/SSL_GET/url",
];
const SMTP_HOST: &[&str] = &["virtual_server/real_server/SMTP_CHECK/host"];

const IV_UNICAST: &str =
    "crates/keepalived-rs/tests/interop_vrrp.rs::vrrpv2_unicast_with_keepalived";
const IV_V2: &str = "crates/keepalived-rs/tests/interop_vrrp.rs::vrrpv2_with_keepalived";
const IV_PASS: &str =
    "crates/keepalived-rs/tests/interop_vrrp.rs::vrrpv2_pass_authentication_with_keepalived";
const OPS_SYNC: &str =
    "crates/keepalived-rs/tests/operations.rs::sync_group_with_script_and_track_file_beside_keepalived";
const OPS_ROUTES: &str = "crates/keepalived-rs/tests/operations.rs::virtual_routes_rules_and_static_addresses_follow_the_instance";
const OPS_PROCESS: &str =
    "crates/keepalived-rs/tests/operations.rs::vrrp_process_settings_are_applied_to_the_vrrp_child";
const LAB: &str =
    "crates/check/tests/checkers_lab.rs::every_checker_reports_real_servers_up_down_and_up_again";
const POOL_RETRY: &str =
    "crates/check/src/pool/tests.rs::a_failure_is_retried_then_the_server_removed_and_notify_down_run";
const IPVS_VM: &str =
    "crates/keepalived-rs/tests/vm/in_vm/ipvs.rs::ours_programs_the_same_ipvs_table_as_keepalived";

const KW_XVMAC: &str = "crates/keepalived-rs/tests/interface_kinds.rs::use_vmac_addr_and_garp_extra_if_beside_keepalived";
const KW_OLDCSUM: &str = "crates/keepalived-rs/tests/interface_kinds.rs::old_unicast_checksum_is_taken_up_by_the_peer_beside_keepalived";
const KW_CSUM: &str = "crates/keepalived-rs/tests/vrrp_keywords.rs::v3_checksum_as_v2_adverts_fail_keepalived_2_2_checksum";
const KW_OWNER: &str = "crates/keepalived-rs/tests/vrrp_keywords.rs::an_owner_with_owner_ignore_adverts_stays_master_beside_keepalived";
const KW_STALL: &str = "crates/keepalived-rs/tests/vrrp_keywords.rs::timer_expired_backup_and_max_auto_priority_after_a_stall_beside_keepalived";
const KW_TGROUP: &str = "crates/keepalived-rs/tests/vrrp_keywords.rs::a_static_address_track_group_faults_its_instances_beside_keepalived";
const KA23_CONF: &str =
    "crates/conf/tests/vrrp_instance.rs::keepalived_2_3_vrrp_options_and_their_global_defaults";
const PROC_NS: &str = "crates/keepalived-rs/tests/process_options.rs::net_namespace_instance_and_process_names_as_keepalived";
const PROC_FLAG: &str =
    "crates/keepalived-rs/tests/process_options.rs::namespace_flag_overrides_net_namespace_as_keepalived";
const PROC_PID_DIR: &str = "crates/keepalived-rs/tests/process_options.rs::use_pid_dir_umask_and_core_pattern_as_keepalived";

const SMTP_VRRP: &str =
    "crates/keepalived-rs/tests/smtp_alerts.rs::transitions_mail_what_keepalived_mails";
const SMTP_CHECKER: &str = "crates/keepalived-rs/tests/smtp_alerts.rs::a_checker_up_and_down_mail_as_keepalived_writes_them";
const SNMP_CHECKER: &str = "crates/keepalived-rs/tests/snmp.rs::the_checker_subagent_serves_keepalived_checker_mib_and_notifications";
const DBUS: &str =
    "crates/keepalived-rs/tests/dbus.rs::the_dbus_service_is_keepalived_s_beside_keepalived";
const SETTINGS: &str = "crates/daemon/src/settings/tests.rs::instance_setting_else_global_default_else_keepalived_default";
const GARP: &str =
    "crates/daemon/src/settings/tests.rs::garp_keywords_time_the_master_s_gratuitous_bursts";
const TRACK_PROCESS: &str = "crates/keepalived-rs/tests/vrrp_keywords.rs::track_process_quorum_faults_the_instance_beside_keepalived";
const CK_CONN: &str = "crates/check/src/plan/keyword_tests.rs::connect_keywords_set_where_from_and_how_long_a_checker_connects";
const CK_HTTP: &str = "crates/check/src/plan/keyword_tests.rs::virtualhost_and_http_protocol_shape_the_request_a_checker_sends";
const CK_SMTP: &str =
    "crates/check/src/plan/keyword_tests.rs::smtp_check_helo_is_helo_name_else_smtp_helo_name";
const LOG_ALL: &str = "crates/check/src/pool/tests.rs::log_all_failures_logs_every_failed_attempt";
const SC_NOTIFY: &str = "tests/scenarios/notify-scripts.scn";
const SC_SCRIPT_USER: &str = "tests/scenarios/script-user-priority-changes.scn";
const TLS_COMPLIANT: &str =
    "crates/check/src/probe/http.rs::tls_compliant_closes_with_close_notify_and_only_then";
const NFT_IPVS: &str =
    "crates/keepalived-rs/tests/vm/in_vm/nftables_ipvs.rs::nftables_ipvs_marks_group_members_like_keepalived";
const BFD_CHILD: &str =
    "crates/keepalived-rs/tests/bfd.rs::bfd_child_with_keepalived_and_frr_and_bfd_check";
const TRACK_BFD: &str =
    "crates/keepalived-rs/tests/bfd.rs::track_bfd_moves_the_vip_like_keepalived";
const PROC_EVENTS: &str = "crates/keepalived-rs/tests/vm/in_vm/track_process.rs::track_process_follows_process_events_like_keepalived";
const HA_SUSPEND: &str = "crates/keepalived-rs/tests/ha_suspend.rs::ha_suspend_runs_the_checkers_only_while_the_virtual_address_is_here";

const RX_LOWER: &str = "crates/keepalived-rs/tests/acting_keywords.rs::notify_master_rx_lower_pri_and_notify_fifo_script_beside_keepalived";
const SG_PROC_BFD: &str = "crates/daemon/src/tracking/mod.rs::a_sync_group_s_track_process_and_track_bfd_reach_its_members";

const GARP_GROUP: &str = "crates/keepalived-rs/tests/acting_keywords.rs::garp_group_and_vrrp_gna_interval_pace_as_keepalived";

const CHILD_SETTINGS: &str = "crates/keepalived-rs/tests/acting_keywords.rs::vrrp_and_bfd_child_settings_show_in_proc_as_keepalived";

const CK_FALLBACK: &str = "crates/check/src/plan/keyword_tests.rs::connect_timeout_and_virtualhost_fall_back_to_the_real_then_virtual_server";

/// The table. A (section, keyword) pair takes the first rule naming it.
pub(super) const RULES: &[Rule] = &[
    // ---- root keywords
    r(ROOT, "global_defs", Cosmetic { why: "a block: its keywords are listed under global_defs" }),
    r(ROOT, "vrrp_instance", Acts { test: IV_V2 }),
    r(ROOT, "vrrp_sync_group", Acts { test: OPS_SYNC }),
    r(ROOT, "vrrp_script", Acts { test: OPS_SYNC }),
    r(ROOT, "track_file", Acts { test: OPS_SYNC }),
    r(ROOT, "vrrp_track_file", Acts { test: "tests/scenarios/track-file-weight.scn" }),
    r(ROOT, "vrrp_track_process", Acts { test: TRACK_PROCESS }),
    r(ROOT, "static_ipaddress static_routes", Acts { test: OPS_ROUTES }),
    r(ROOT, "static_rules", Acts { test: "crates/keepalived-rs/tests/scenarios.rs::differential_scenarios" }),
    r(ROOT, "virtual_server", Acts { test: LAB }),
    r(ROOT, "virtual_server_group", Acts { test: "crates/check/src/pool/tests.rs::a_virtual_server_group_applies_to_every_member" }),
    r(ROOT, "SSL", Acts { test: SSL }),
    r(ROOT, "instance net_namespace", Acts { test: PROC_NS }),
    r(ROOT, "net_namespace_ipvs", Acts { test: "crates/keepalived-rs/tests/vm/in_vm/netns_ipvs.rs::net_namespace_ipvs_programs_the_named_namespace_as_keepalived" }),
    r(ROOT, "namespace_with_ipsets", NotSupported { why: "ipsets are not used (the firewall is nftables)" }),
    r(ROOT, "use_pid_dir", Acts { test: PROC_PID_DIR }),
    r(ROOT, "child_wait_time", Acts { test: "crates/keepalived-rs/tests/checker_keywords.rs::child_wait_time_kills_a_hung_child_as_keepalived" }),
    r(ROOT, "linkbeat_use_polling", Acts { test: "crates/keepalived-rs/tests/linkbeat.rs::linkbeat_use_polling_polls_the_instance_interface_as_keepalived" }),
    r(ROOT, "linkbeat_interfaces", Acts { test: "crates/keepalived-rs/tests/linkbeat.rs::linkbeat_interfaces_poll_the_carrier_as_keepalived" }),
    r(ROOT, "interface_up_down_delays", Acts { test: "crates/keepalived-rs/tests/interface_keywords.rs::interface_up_down_delays_debounce_a_short_carrier_loss" }),
    r(ROOT, "garp_group", Acts { test: GARP_GROUP }),
    r(ROOT, "track_group", Acts { test: KW_TGROUP }),
    r(ROOT, "bfd_instance", Acts { test: BFD_CHILD }),
    // ---- global_defs
    r(GLOBAL, "router_id", Acts { test: SMTP_VRRP }),
    r(GLOBAL, "script_user enable_script_security", Acts { test: PROC_NS }),
    r(GLOBAL, "vrrp_version", Acts { test: SETTINGS }),
    r(GLOBAL, "dynamic_interfaces", Acts { test: "crates/keepalived-rs/tests/real_hosts.rs::an_interface_missing_at_start_starts_its_instance_when_it_appears" }),
    r(GLOBAL, "default_interface", Acts { test: "tests/scenarios/static-default-interface.scn" }),
    r(GLOBAL, "vrrp_garp_master_delay vrrp_garp_master_repeat vrrp_garp_master_refresh vrrp_garp_master_refresh_repeat vrrp_garp_lower_prio_delay vrrp_garp_lower_prio_repeat vrrp_min_garp", Acts { test: GARP }),
    r(GLOBAL, "vrrp_garp_interval", Acts { test: "crates/keepalived-rs/tests/garp_pacing.rs::vrrp_garp_interval_spaces_a_burst_as_keepalived_does" }),
    r(GLOBAL, "vrrp_gna_interval", Acts { test: GARP_GROUP }),
    r(GLOBAL, "vrrp_lower_prio_no_advert", Acts { test: SETTINGS }),
    r(GLOBAL, "vrrp_higher_prio_send_advert", Acts { test: SETTINGS }),
    r(GLOBAL, "vrrp_check_unicast_src", Acts { test: SETTINGS }),
    r(GLOBAL, "vrrp_skip_check_adv_addr", Acts { test: SETTINGS }),
    r(GLOBAL, "vrrp_startup_delay", Acts { test: "crates/vrrp/tests/sim/machine_rules.rs::startup_delay_keeps_the_instance_in_init" }),
    r(GLOBAL, "vrrp_notify_priority_changes", Acts { test: SETTINGS }),
    r(GLOBAL, "vrrp_notify_fifo vrrp_notify_fifo_script", Acts { test: "crates/keepalived-rs/tests/operations.rs::sigterm_hands_over_well_under_master_down" }),
    r(GLOBAL, "notify_fifo", Acts { test: SC_NOTIFY }),
    r(GLOBAL, "notify_fifo_script", Acts { test: RX_LOWER }),
    r(GLOBAL, "lvs_notify_fifo lvs_notify_fifo_script", Acts { test: SMTP_CHECKER }),
    r(GLOBAL, "lvs_flush", Acts { test: "crates/check/src/ipvs/reconcile_tests.rs::lvs_timeouts_lvs_flush_and_lvs_flush_on_stop_program_the_kernel" }),
    r(GLOBAL, "lvs_flush_on_stop lvs_flush_onstop", Acts { test: "crates/check/src/ipvs/reconcile_tests.rs::lvs_timeouts_lvs_flush_and_lvs_flush_on_stop_program_the_kernel" }),
    r(GLOBAL, "lvs_timeouts", Acts { test: "crates/check/src/ipvs/reconcile_tests.rs::lvs_timeouts_lvs_flush_and_lvs_flush_on_stop_program_the_kernel" }),
    r(GLOBAL, "lvs_sync_daemon", Acts { test: IPVS_VM }),
    r(GLOBAL, "rs_init_notifies", Acts { test: "crates/check/src/pool/tests.rs::rs_init_notifies_runs_notify_up_for_the_servers_up_at_start" }),
    r(GLOBAL, "checker_log_all_failures", Acts { test: LOG_ALL }),
    r(GLOBAL, "smtp_helo_name", Acts { test: CK_SMTP }),
    r(GLOBAL, "vrrp_priority vrrp_rt_priority vrrp_cpu_affinity", Acts { test: OPS_PROCESS }),
    r(GLOBAL, "vrrp_no_swap", Acts { test: CHILD_SETTINGS }),
    r(GLOBAL, "vrrp_rlimit_rttime vrrp_rlimit_rtime", Acts { test: CHILD_SETTINGS }),
    r(GLOBAL, "checker_priority checker_rt_priority checker_cpu_affinity checker_no_swap checker_rlimit_rttime checker_rlimit_rtime", Acts { test: CHECKER_CHILD }),
    r(GLOBAL, "bfd_priority bfd_rt_priority bfd_cpu_affinity bfd_no_swap bfd_rlimit_rttime bfd_rlimit_rtime", Acts { test: CHILD_SETTINGS }),
    r(GLOBAL, "process_names process_name vrrp_process_name", Acts { test: PROC_NS }),
    r(GLOBAL, "checker_process_name lvs_process_name", Acts { test: CHECKER_CHILD }),
    r(GLOBAL, "bfd_process_name", Acts { test: CHILD_SETTINGS }),
    r(GLOBAL, "notification_email notification_email_from smtp_server smtp_connect_timeout smtp_alert smtp_alert_vrrp no_email_faults", Acts { test: SMTP_VRRP }),
    r(GLOBAL, "smtp_alert_checker no_checker_emails", Acts { test: SMTP_CHECKER }),
    r(GLOBAL, "enable_snmp_keepalived enable_snmp_vrrp enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3 enable_traps snmp_socket", Acts { test: "crates/keepalived-rs/tests/snmp.rs::snmp_walks_and_notifications_match_keepalived" }),
    r(GLOBAL, "enable_snmp_checker", Acts { test: SNMP_CHECKER }),
    r(GLOBAL, "snmp_vs_stats_update_interval snmp_rs_stats_update_interval", Acts { test: "crates/daemon/src/snmp/checker.rs::stats_update_intervals_keep_each_read_for_its_interval" }),
    r(GLOBAL, "enable_dbus dbus_service_name", Acts { test: DBUS }),
    r(GLOBAL, "dbus_no_interface_name", Acts { test: "crates/keepalived-rs/tests/dbus.rs::dbus_no_interface_name_names_the_object_of_an_instance_without_interface" }),
    r(GLOBAL, "vrrp_strict", Acts { test: "crates/keepalived-rs/tests/firewall.rs::vrrp_strict_drops_like_keepalived" }),
    r(GLOBAL, "nftables", Acts { test: "crates/net/tests/firewall.rs::keepalived_layout_built_and_removed" }),
    r(GLOBAL, "nftables_priority nftables_counters nftables_ifindex", Acts { test: "crates/net/tests/firewall.rs::counters_priority_and_interface_names" }),
    r(GLOBAL, "vrrp_iptables vrrp_ipsets", Acts { test: "crates/keepalived-rs/tests/firewall.rs::vrrp_iptables_means_nftables_like_keepalived" }),
    r(GLOBAL, "nftables_ipvs nftables_ipvs_priority nftables_ipvs_start_fwmark", Acts { test: NFT_IPVS }),
    r(GLOBAL, "vrrp_mcast_group4", Acts { test: "crates/keepalived-rs/tests/real_hosts.rs::vrrp_mcast_group4_backup_hears_keepalived_on_that_group" }),
    r(GLOBAL, "vrrp_mcast_group6", Acts { test: SETTINGS }),
    r(GLOBAL, "vmac_prefix", Acts { test: "crates/keepalived-rs/tests/interface_keywords.rs::vmac_names_follow_keepalived_for_both_families_and_vmac_prefix" }),
    r(GLOBAL, "vmac_addr_prefix", Acts { test: KW_XVMAC }),
    r(GLOBAL, "vrrp_garp_extra_if vrrp_vmac_garp_intvl", Acts { test: "crates/keepalived-rs/tests/interface_kinds.rs::vrrp_garp_extra_if_is_the_default_of_garp_extra_if_beside_keepalived" }),
    r(GLOBAL, "vrrp_down_timer_adverts", Acts { test: KA23_CONF }),
    r(GLOBAL, "log_unknown_vrids", Acts { test: KW_CSUM }),
    r(GLOBAL, "disable_local_igmp", Acts { test: "crates/keepalived-rs/tests/interface_keywords.rs::disable_local_igmp_while_running" }),
    r(GLOBAL, "fifo_write_vrrp_states_on_reload", Acts { test: "crates/keepalived-rs/tests/interface_keywords.rs::fifo_write_vrrp_states_on_reload_writes_kept_states" }),
    r(GLOBAL, "max_auto_priority min_auto_priority_delay", Acts { test: KW_STALL }),
    r(GLOBAL, "vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force vrrp_netlink_monitor_rcv_bufs vrrp_netlink_monitor_rcv_bufs_force", Acts { test: "crates/keepalived-rs/tests/netlink_bufs.rs::netlink_rcv_bufs_size_both_sockets_as_keepalived" }),
    r(GLOBAL, "lvs_netlink_cmd_rcv_bufs lvs_netlink_cmd_rcv_bufs_force lvs_netlink_monitor_rcv_bufs lvs_netlink_monitor_rcv_bufs_force", Acts { test: HA_SUSPEND }),
    r(GLOBAL, "process_monitor_rcv_bufs process_monitor_rcv_bufs_force", Acts { test: PROC_EVENTS }),
    r(GLOBAL, "vrrp_rx_bufs_policy vrrp_rx_bufs_multiplier", Acts { test: "crates/keepalived-rs/tests/acting_keywords.rs::vrrp_rx_bufs_policy_and_multiplier_size_the_socket_as_keepalived" }),
    r(GLOBAL, "umask", Acts { test: PROC_PID_DIR }),
    r(GLOBAL, "random_seed", Acts { test: "crates/conf/tests/global_defs.rs::random_seed_makes_random_values_repeatable" }),
    r(GLOBAL, "reload_file", Acts { test: "crates/keepalived-rs/tests/reload_keywords.rs::reload_file_is_handled_like_keepalived" }),
    r(GLOBAL, "include_check", Acts { test: "crates/keepalived-rs/tests/reload_keywords.rs::include_checks_match_keepalived_config_test" }),
    r(GLOBAL, "reload_time_file reload_repeat", Acts { test: "crates/keepalived-rs/tests/reload_keywords.rs::reload_time_file_schedules_reloads_like_keepalived" }),
    r(GLOBAL, "config_save_dir", Acts { test: "crates/keepalived-rs/tests/reload_keywords.rs::config_save_dir_saves_what_keepalived_saves" }),
    r(GLOBAL, "tmp_config_directory", Acts { test: "crates/keepalived-rs/tests/reload_keywords.rs::tmp_config_directory_holds_the_copy_and_refuses_a_change_like_keepalived" }),
    r(GLOBAL, "reload_check_config", Acts { test: "crates/keepalived-rs/tests/reload_check.rs::reload_check_config_refuses_a_bad_reload_like_keepalived" }),
    r(GLOBAL, "data_use_instance", Acts { test: "crates/daemon/src/dump/paths.rs::data_use_instance_tags_the_data_dump" }),
    r(GLOBAL, "startup_script shutdown_script", Acts { test: PROC_NS }),
    r(GLOBAL, "startup_script_timeout shutdown_script_timeout", Acts { test: PROC_FLAG }),
    r(GLOBAL, "state_dump_file", Acts { test: KW_STALL }),
    r(GLOBAL, "stats_dump_file json_dump_file", Cosmetic { why: "keepalived 2.3.4 shows them in its dump but writes keepalived.stats and keepalived.json in its temporary directory whatever they say" }),
    r(GLOBAL, "use_symlink_paths", Acts { test: "crates/conf/src/script_security.rs::scripts_run_by_the_path_keepalived_resolves" }),
    r(GLOBAL, "json_version", Acts { test: "crates/daemon/src/dump/mod.rs::json_version_2_wraps_the_instances_in_a_vrrp_object" }),
    r(GLOBAL, "v3_checksum_as_v2", Acts { test: KW_CSUM }),
    r(GLOBAL, "vrrp_owner_ignore_adverts", Acts { test: KA23_CONF }),
    r(GLOBAL, "iproute_etc_dir iproute_usr_dir", Acts { test: "crates/conf/tests/net_route.rs::iproute2_names_are_read_from_its_files" }),
    // ---- vrrp_instance
    r(VI, "interface virtual_router_id priority advert_int virtual_ipaddress", Acts { test: IV_V2 }),
    r(VI, "version", Acts { test: "crates/keepalived-rs/tests/interop_vrrp.rs::vrrpv3_advert_int_half_second_with_keepalived" }),
    r(VI, "unicast_peer unicast_src_ip", Acts { test: IV_UNICAST }),
    r(VI, "use_vmac", Acts { test: "crates/keepalived-rs/tests/interop_vrrp.rs::vrrpv2_use_vmac_with_keepalived" }),
    r(VI, "authentication", Acts { test: IV_PASS }),
    r(VI, "state", Acts { test: "crates/vrrp/tests/sim/machine_rules.rs::state_master_below_255_starts_as_backup_and_waits_master_down" }),
    r(VI, "nopreempt preempt", Acts { test: "crates/vrrp/tests/sim/scenarios.rs::nopreempt_keeps_the_current_master" }),
    r(VI, "preempt_delay", Acts { test: "crates/vrrp/tests/sim/scenarios.rs::preempt_delay_postpones_preemption" }),
    r(VI, "lower_prio_no_advert", Acts { test: "crates/vrrp/tests/sim/machine_rules.rs::lower_prio_no_advert_suppresses_the_answer" }),
    r(VI, "higher_prio_send_advert", Acts { test: "crates/vrrp/tests/sim/machine_rules.rs::higher_prio_send_advert_sends_before_going_backup" }),
    r(VI, "check_unicast_src", Acts { test: "crates/vrrp/tests/wire_validate.rs::unicast_source_not_a_peer_is_dropped_uncounted" }),
    r(VI, "skip_check_adv_addr", Acts { test: "crates/vrrp/tests/wire_validate.rs::skip_check_adv_addr_skips_address_checks" }),
    r(VI, "virtual_routes virtual_rules", Acts { test: OPS_ROUTES }),
    r(VI, "notify", Acts { test: "crates/keepalived-rs/tests/operations.rs::reload_adds_a_vip_while_the_old_one_never_leaves" }),
    r(VI, "notify_master notify_backup notify_fault notify_stop", Acts { test: SC_NOTIFY }),
    r(VI, "notify_deleted", Acts { test: "tests/scenarios/reload-notify-deleted.scn" }),
    r(VI, "notify_master_rx_lower_pri", Acts { test: RX_LOWER }),
    r(VI, "track_script track_file", Acts { test: OPS_SYNC }),
    r(VI, "track_interface", Acts { test: "tests/scenarios/link-track-interface-weight.scn" }),
    r(VI, "track_process", Acts { test: TRACK_PROCESS }),
    r(VI, "mcast_src_ip", Acts { test: "tests/scenarios/v3-mcast-src-ip.scn" }),
    r(VI, "unicast_ttl", Acts { test: "tests/scenarios/unicast-ttl.scn" }),
    r(VI, "garp_master_delay garp_master_repeat garp_master_refresh garp_master_refresh_repeat garp_lower_prio_delay garp_lower_prio_repeat", Acts { test: GARP }),
    r(VI, "down_timer_adverts", Acts { test: "crates/vrrp/tests/sim/machine_rules.rs::down_timer_adverts_is_the_number_of_intervals_before_master_down" }),
    r(VI, "notify_priority_changes", Acts { test: SC_SCRIPT_USER }),
    r(VI, "virtual_ipaddress_excluded", Acts { test: "tests/scenarios/addr-vip-excluded.scn" }),
    r(VI, "accept no_accept", Acts { test: "crates/keepalived-rs/tests/firewall.rs::no_accept_drops_like_keepalived" }),
    r(VI, "native_ipv6", Acts { test: "crates/keepalived-rs/tests/acting_keywords.rs::native_ipv6_sends_ipv6_adverts_as_keepalived" }),
    r(VI, "vmac_xmit_base", Acts { test: "crates/keepalived-rs/tests/frr_vrrp.rs::use_vmac_interoperates_with_frr_vrrpd" }),
    r(VI, "debug", Cosmetic { why: "keepalived only shows it in its dump" }),
    r(VI, "no_virtual_ipaddress", Acts { test: "crates/conf/tests/keyword_registry.rs::a_keepalived_2_3_configuration_is_clean_and_its_new_keywords_are_named" }),
    r(VI, "use_vmac_addr", Acts { test: KW_XVMAC }),
    r(VI, "use_ipvlan", Acts { test: "crates/keepalived-rs/tests/vm/in_vm/vrf_ipvlan.rs::vrf_and_use_ipvlan_beside_keepalived_in_the_vm" }),
    r(VI, "vrf", Acts { test: "crates/keepalived-rs/tests/vm/in_vm/vrf_ipvlan.rs::vrf_and_use_ipvlan_beside_keepalived_in_the_vm" }),
    r(VI, "mcast_dst_ip", Acts { test: "crates/keepalived-rs/tests/real_hosts.rs::mcast_dst_ip_master_is_heard_by_keepalived" }),
    r(VI, "track_src_ip", Acts { test: "crates/keepalived-rs/tests/interface_keywords.rs::track_src_ip_faults_while_the_source_address_is_missing" }),
    r(VI, "dont_track_primary", Acts { test: "crates/keepalived-rs/tests/scenarios.rs::differential_scenarios" }),
    r(VI, "promote_secondaries", Acts { test: "crates/keepalived-rs/tests/interface_keywords.rs::promote_secondaries_is_set_while_running_and_reset_at_stop" }),
    r(VI, "kernel_rx_buf_size", Acts { test: "crates/keepalived-rs/tests/interface_keywords.rs::the_dump_shows_the_vmac_as_keepalived" }),
    r(VI, "unicast_fault_no_peer", Acts { test: "crates/keepalived-rs/tests/interface_keywords.rs::unicast_fault_no_peer_without_peers_is_fault" }),
    r(VI, "old_unicast_checksum", Acts { test: KW_OLDCSUM }),
    r(VI, "lvs_sync_daemon_interface", Acts { test: "crates/conf/tests/global_defs.rs::an_instance_lvs_sync_daemon_interface_is_the_global_sync_daemon" }),
    r(VI, "linkbeat_use_polling", Acts { test: "crates/keepalived-rs/tests/linkbeat.rs::instance_linkbeat_use_polling_polls_as_keepalived" }),
    r(VI, "strict_mode", Acts { test: "crates/keepalived-rs/tests/firewall.rs::vrrp_strict_drops_like_keepalived" }),
    r(VI, "smtp_alert", Acts { test: SMTP_VRRP }),
    r(VI, "track_bfd", Acts { test: TRACK_BFD }),
    r(VI, "garp_extra_if vmac_garp_intvl", Acts { test: KW_XVMAC }),
    r(VI, "v3_checksum_as_v2", Acts { test: KW_CSUM }),
    r(VI, "owner_ignore_adverts", Acts { test: KW_OWNER }),
    r(VI, "timer_expired_backup thread_timer_expired", Acts { test: KW_STALL }),
    r(&["vrrp_instance/authentication"], "auth_type auth_pass", Acts { test: IV_PASS }),
    // ---- vrrp_sync_group
    r(SG, "group", Acts { test: OPS_SYNC }),
    r(SG, "notify_master notify_backup notify_fault notify_stop notify", Acts { test: SC_NOTIFY }),
    r(SG, "track_interface track_file sync_group_tracking_weight", Acts { test: "tests/scenarios/sync-group-tracking.scn" }),
    r(SG, "track_script global_tracking", Acts { test: "tests/scenarios/sync-group-script-weight.scn" }),
    r(SG, "track_process", Acts { test: SG_PROC_BFD }),
    r(SG, "notify_priority_changes", Acts { test: "crates/conf/tests/vrrp_sync_checks.rs::a_sync_group_s_notify_priority_changes_is_its_members_default" }),
    r(SG, "track_bfd", Acts { test: SG_PROC_BFD }),
    r(SG, "smtp_alert", Acts { test: "crates/keepalived-rs/tests/smtp_alerts.rs::a_sync_group_s_own_smtp_alert_mails_its_transitions_as_keepalived" }),
    // ---- trackers
    r(&["vrrp_script"], "script interval fall rise weight", Acts { test: OPS_SYNC }),
    r(&["vrrp_script"], "timeout", Acts { test: "tests/scenarios/track-script-hangs.scn" }),
    r(&["vrrp_script"], "user", Acts { test: SC_SCRIPT_USER }),
    r(&["vrrp_script"], "init_fail", Acts { test: "crates/daemon/src/tracking/mod.rs::init_fail_starts_a_tracked_script_down" }),
    r(TRACK_FILE, "file weight", Acts { test: OPS_SYNC }),
    r(TRACK_FILE, "init_file", Acts { test: "crates/daemon/src/tracking/mod.rs::init_file_creates_the_tracked_file_at_start" }),
    r(&["vrrp_track_process"], "process quorum", Acts { test: TRACK_PROCESS }),
    r(&["vrrp_track_process"], "param_match full_command quorum_max weight", Acts { test: "crates/keepalived-rs/tests/acting_keywords.rs::track_process_matching_quorum_max_and_weight_as_keepalived_decides" }),
    r(&["vrrp_track_process"], "delay terminate_delay fork_delay", Acts { test: "crates/daemon/src/tracking/process_delay.rs::a_process_back_within_terminate_delay_is_no_change" }),
    r(&["track_group"], "group", Acts { test: KW_TGROUP }),
    r(&["garp_group"], "garp_interval gna_interval interface interfaces", Acts { test: GARP_GROUP }),
    r(&["SSL"], "ca certificate key password", Acts { test: SSL }),
    r(&["bfd_instance"], "neighbor_ip neighbour_ip min_rx min_tx multiplier hoplimit", Acts { test: BFD_CHILD }),
    r(&["bfd_instance"], "source_ip idle_tx passive ttl max_hops", Acts { test: "crates/keepalived-rs/tests/bfd.rs::bfd_wire_keywords_like_keepalived" }),
    r(&["bfd_instance"], "weight", Acts { test: "crates/daemon/src/tracking/mod.rs::track_bfd_takes_the_instances_weight_unless_the_line_gives_one" }),
    r(&["bfd_instance"], "vrrp checker", Acts { test: "crates/keepalived-rs/tests/bfd.rs::bfd_instance_vrrp_and_checker_route_the_events_like_keepalived" }),
    r(&["bfd_instance"], "multihop", Acts { test: BFD_CHILD }),
    // ---- virtual_server and real_server
    r(VS, "lb_algo lvs_sched", Acts { test: "crates/check/src/ipvs/reconcile_tests.rs::a_kept_service_is_edited_its_known_servers_edited_and_strays_removed" }),
    r(VS, "lb_kind", Acts { test: "crates/check/src/ipvs/tests.rs::dr_and_tun_destinations_take_the_service_port" }),
    r(VS_RS, "lvs_method", Acts { test: "crates/check/src/ipvs/tests.rs::dr_and_tun_destinations_take_the_service_port" }),
    r(VS, "persistence_timeout persistence_granularity", Acts { test: "crates/check/src/ipvs/tests.rs::ipv6_persistence_granularity_is_a_prefix_length" }),
    r(VS, "persistence_engine", Acts { test: "crates/check/src/plan/service_tests.rs::a_persistence_engine_goes_with_a_persistence_timeout_only" }),
    r(VS, "sh-port sh-fallback", Acts { test: IPVS_VM }),
    r(VS, "ops flag-1 flag-2 flag-3 mh-port mh-fallback", Acts { test: "crates/check/src/plan/service_tests.rs::service_flags_are_keepalived_s" }),
    r(VS, "protocol", Acts { test: "crates/check/src/plan/service_tests.rs::service_flags_are_keepalived_s" }),
    r(VS, "ip_family", Acts { test: "crates/check/src/plan/service_tests.rs::ip_family_sets_the_family_of_a_fwmark_service" }),
    r(VS, "quorum quorum_up quorum_down sorry_server", Acts { test: "crates/check/src/pool/tests.rs::the_sorry_server_replaces_the_pool_when_quorum_is_lost" }),
    r(VS, "hysteresis", Acts { test: "crates/check/src/pool/tests.rs::hysteresis_delays_quorum_changes" }),
    r(VS, "omega", Acts { test: "crates/check/src/pool/tests.rs::shutdown_removes_everything_and_omega_runs_down_notifies" }),
    r(VS, "sorry_server_inhibit", Acts { test: "crates/check/src/pool/tests.rs::sorry_server_inhibit_keeps_the_sorry_server_at_weight_0" }),
    r(VS, "sorry_server_lvs_method", Acts { test: "crates/check/src/plan/service_tests.rs::the_virtual_server_weight_and_sorry_method_reach_the_servers" }),
    r(VS, "real_server", Acts { test: LAB }),
    r(VS, "hashed", Acts { test: "crates/conf/tests/lvs_virtual_server.rs::hashed_sets_no_flag_and_is_reported_outside_sh_and_mh" }),
    r(VS, "ha_suspend", Acts { test: HA_SUSPEND }),
    r(VS_RS, "inhibit_on_failure", Acts { test: "crates/check/src/pool/tests.rs::inhibit_on_failure_sets_weight_0_instead_of_removing" }),
    r(VS_RS, "alpha", Acts { test: "crates/check/src/pool/tests.rs::alpha_starts_down_and_a_success_brings_the_server_up" }),
    r(VS_RS, "retry delay_before_retry delay_loop", Acts { test: POOL_RETRY }),
    r(VS_RS, "warmup", Acts { test: "crates/check/src/run.rs::warmup_spreads_the_first_check" }),
    r(VS_RS, "connect_timeout", Acts { test: CK_FALLBACK }),
    r(RS, "virtualhost", Acts { test: CK_HTTP }),
    r(VS, "virtualhost", Acts { test: CK_FALLBACK }),
    r(RS, "weight", Acts { test: "crates/check/src/pool/tests.rs::real_servers_start_in_the_pool_without_alpha" }),
    r(VS, "weight", Acts { test: "crates/check/src/plan/service_tests.rs::the_virtual_server_weight_and_sorry_method_reach_the_servers" }),
    r(VS_RS, "smtp_alert", Acts { test: SMTP_CHECKER }),
    r(VS_RS, "snmp_name", Acts { test: SNMP_CHECKER }),
    r(RS, "notify_up notify_down", Acts { test: POOL_RETRY }),
    r(RS, "uthreshold lthreshold", Acts { test: "crates/check/src/pool/tests.rs::uthreshold_and_lthreshold_are_the_destination_s_thresholds" }),
    r(RS, "TCP_CHECK HTTP_GET SSL_GET SMTP_CHECK DNS_CHECK UDP_CHECK PING_CHECK MISC_CHECK", Acts { test: LAB }),
    r(RS, "FILE_CHECK", Acts { test: "crates/check/src/pool/tests.rs::file_check_weight_and_fault" }),
    r(RS, "BFD_CHECK", Acts { test: BFD_CHILD }),
    // ---- checkers
    r(CHECKERS, "retry delay_before_retry delay_loop", Acts { test: POOL_RETRY }),
    r(CHECKERS, "alpha", Acts { test: "crates/check/src/pool/tests.rs::alpha_starts_down_and_a_success_brings_the_server_up" }),
    r(CHECKERS, "warmup", Acts { test: "crates/check/src/run.rs::warmup_spreads_the_first_check" }),
    r(CHECKERS, "log_all_failures", Acts { test: LOG_ALL }),
    r(CONN_CHECKERS, "connect_ip connect_port bindto bind_port connect_timeout", Acts { test: CK_CONN }),
    r(CONN_CHECKERS, "bind_if fwmark", Acts { test: "crates/keepalived-rs/tests/checker_keywords.rs::bind_if_and_fwmark_mark_and_bind_the_probe_socket" }),
    r(HTTP, "url", Acts { test: LAB }),
    r(HTTP, "nb_get_retry", Acts { test: "crates/check/src/run.rs::nb_get_retry_is_the_http_checker_s_retry" }),
    r(HTTP, "virtualhost http_protocol", Acts { test: CK_HTTP }),
    r(HTTP, "enable_sni", Acts { test: "crates/check/src/plan/keyword_tests.rs::enable_sni_sends_the_virtualhost_in_the_client_hello" }),
    r(HTTP, "fast_recovery", Acts { test: "crates/check/src/pool/tests.rs::fast_recovery_checks_a_down_server_s_next_url_at_once" }),
    r(&["virtual_server/real_server/SSL_GET"], "tls_compliant", Acts { test: TLS_COMPLIANT }),
    r(URL, "path digest", Acts { test: LAB }),
    r(URL, "status_code", Acts { test: "crates/check/src/probe/http_response.rs::status_codes_default_to_2xx_and_ranges_are_inclusive" }),
    r(URL, "regex regex_no_match", Acts { test: "crates/check/src/probe/http.rs::the_verdict_tests_status_then_digest_then_regex" }),
    r(URL, "regex_min_offset regex_max_offset", Acts { test: "crates/check/src/probe/http.rs::regex_offsets_bound_where_a_match_may_start" }),
    r(URL, "virtualhost", Acts { test: CK_HTTP }),
    r(URL, "regex_options", Acts { test: "crates/check/src/probe/http_regex.rs::the_matching_options_change_what_matches" }),
    r(URL, "regex_stack", NotSupported { why: "PCRE2's JIT stack size: the regex crate has no JIT and no backtracking stack, so keepalived's JIT stack limit cannot be reached or raised" }),
    r(&["virtual_server/real_server/SSL_GET/url"], "tls_compliant", Acts { test: TLS_COMPLIANT }),
    r(&["virtual_server/real_server/SMTP_CHECK"], "helo_name", Acts { test: CK_SMTP }),
    r(&["virtual_server/real_server/SMTP_CHECK"], "host", Acts { test: "crates/check/src/plan/keyword_tests.rs::smtp_host_blocks_connect_where_and_from_where_they_say" }),
    r(SMTP_HOST, "connect_ip connect_port bindto bind_port bind_if fwmark", Acts { test: "crates/check/src/plan/keyword_tests.rs::smtp_host_blocks_connect_where_and_from_where_they_say" }),
    r(SMTP_HOST, "retry delay_before_retry warmup delay_loop alpha log_all_failures connect_timeout", Acts { test: "crates/check/src/plan/keyword_tests.rs::smtp_host_blocks_set_their_timeout_and_the_checker_s_timing" }),
    r(&["virtual_server/real_server/DNS_CHECK"], "type name", Acts { test: "crates/check/src/plan/keyword_tests.rs::dns_check_type_and_name_are_the_question_it_sends" }),
    r(&["virtual_server/real_server/UDP_CHECK"], "payload require_reply", Acts { test: "crates/check/src/probe/udp.rs::x_nibbles_are_ignored_in_the_reply_pattern" }),
    r(&["virtual_server/real_server/UDP_CHECK"], "min_reply_length max_reply_length", Acts { test: "crates/check/src/probe/udp.rs::reply_length_must_lie_between_min_and_max" }),
    r(&["virtual_server/real_server/MISC_CHECK"], "misc_path misc_dynamic", Acts { test: "crates/check/src/pool/tests.rs::misc_dynamic_exit_status_sets_the_weight" }),
    r(&["virtual_server/real_server/MISC_CHECK"], "misc_timeout user", Acts { test: "crates/check/src/plan/keyword_tests.rs::misc_timeout_stops_the_script_and_user_runs_it_as_that_user" }),
    r(&["virtual_server/real_server/FILE_CHECK"], "track_file weight", Acts { test: "crates/check/src/pool/tests.rs::file_check_weight_and_fault" }),
    r(&["virtual_server/real_server/BFD_CHECK"], "name", Acts { test: BFD_CHILD }),
    r(&["virtual_server/real_server/BFD_CHECK"], "alpha", Acts { test: "crates/check/src/pool/tests.rs::bfd_check_alpha_keeps_the_server_out_until_the_session_is_up" }),
];

const fn r(
    sections: &'static [&'static str],
    keywords: &'static str,
    status: super::Status,
) -> Rule {
    Rule {
        sections,
        keywords,
        status,
    }
}
