<?php
/*
 * Installs the session's site, as wp-admin/install.php?step=2 would, and creates the
 * administrator's application password:
 *   php install.php DOCROOT SITE_URL < {"title", "username", "email", "password", "app_name"}
 * Prints {"user_id", "app_password", "app_uuid"} as JSON.
 */
require __DIR__ . '/boot.php';
$parvis_in = json_decode(stream_get_contents(STDIN), true);

define('WP_INSTALLING', true);
// Pluggable: the default emails the new site's login, and this machine has no mailer.
function wp_new_blog_notification($blog_title, $blog_url, $user_id, $password) {}

require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

if (is_blog_installed()) {
    fwrite(STDERR, "WordPress is already installed in database " . DB_NAME . "\n");
    exit(1);
}
// With the server already listening, wp_install() checks that pretty permalinks work
// through it (loopback requests) and keeps them if they do, as on a real install.
$parvis_result = wp_install(
    $parvis_in['title'], $parvis_in['username'], $parvis_in['email'], false, '',
    wp_slash($parvis_in['password']), ''
);
$parvis_user_id = (int) $parvis_result['user_id'];

// This also sets the site's "application passwords in use" flag, without which WordPress
// ignores Basic credentials altogether.
$parvis_created = WP_Application_Passwords::create_new_application_password(
    $parvis_user_id, array('name' => $parvis_in['app_name'])
);
if (is_wp_error($parvis_created)) {
    fwrite(STDERR, $parvis_created->get_error_message() . "\n");
    exit(1);
}
echo json_encode(array(
    'user_id' => $parvis_user_id,
    'app_password' => WP_Application_Passwords::chunk_password($parvis_created[0]),
    'app_uuid' => $parvis_created[1]['uuid'],
    'permalink_structure' => get_option('permalink_structure'),
)), "\n";
