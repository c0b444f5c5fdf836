-- Remote control (issue 15, G3 item 2 / G4): what each equipment type can be told to do, every
-- command sent with its correlation id and outcome, and the last state each device reported.

-- Commands per equipment type (the device profile's control part). `commands` is an array of
-- {action, label{zh,en}, risky, permission, value?} checked by the server (modules/control/profiles.ts).
-- `pa` and `signage` are the park's public-address and information-display head-ends (no equipment row).
CREATE TABLE control_profile (
  equipment_type text PRIMARY KEY,
  commands jsonb NOT NULL,
  timeout_ms integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 500 AND 300000),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per command; `id` is the correlation id carried on the MQTT request and its result.
CREATE TABLE device_command (
  id uuid PRIMARY KEY,
  park text NOT NULL,
  idx integer NOT NULL,
  device text NOT NULL,
  equipment_type text NOT NULL,
  action text NOT NULL,
  value jsonb,
  risky boolean NOT NULL DEFAULT false,
  state text NOT NULL CHECK (state IN ('awaiting_confirmation', 'sent', 'succeeded', 'refused', 'timeout', 'cancelled')),
  confirm_hash text,
  confirm_expires timestamptz,
  source text NOT NULL DEFAULT 'operator' CHECK (source IN ('operator', 'linkage')),
  requested_by text NOT NULL,
  requested_by_id text,
  confirmed_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  deadline timestamptz,
  answered_at timestamptz,
  result jsonb,
  error text,
  CHECK (state <> 'sent' OR (sent_at IS NOT NULL AND deadline IS NOT NULL)),
  CHECK (state <> 'awaiting_confirmation' OR (confirm_hash IS NOT NULL AND confirm_expires IS NOT NULL))
);
CREATE INDEX device_command_idx ON device_command (idx, created_at DESC);
CREATE INDEX device_command_open ON device_command (deadline) WHERE state = 'sent';

-- What each device last said about its control state (running, setpoint, mode, lock...).
CREATE TABLE device_control_state (
  idx integer PRIMARY KEY,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO control_profile (equipment_type, commands, timeout_ms) VALUES
  ('ahu', '[{"action":"start","label":{"zh":"启动","en":"Start"},"risky":false,"permission":"equipment:control"},
            {"action":"stop","label":{"zh":"停机","en":"Stop"},"risky":false,"permission":"equipment:control"},
            {"action":"setpoint","label":{"zh":"送风温度设定","en":"Supply air setpoint"},"risky":false,"permission":"equipment:control","value":{"kind":"number","min":12,"max":30,"step":0.5,"unit":"°C"}},
            {"action":"mode","label":{"zh":"运行模式","en":"Mode"},"risky":false,"permission":"equipment:control","value":{"kind":"enum","options":["auto","cool","heat","fan"]}}]', 10000),
  ('fan_coil', '[{"action":"start","label":{"zh":"启动","en":"Start"},"risky":false,"permission":"equipment:control"},
            {"action":"stop","label":{"zh":"停机","en":"Stop"},"risky":false,"permission":"equipment:control"},
            {"action":"setpoint","label":{"zh":"室温设定","en":"Room setpoint"},"risky":false,"permission":"equipment:control","value":{"kind":"number","min":16,"max":30,"step":0.5,"unit":"°C"}},
            {"action":"mode","label":{"zh":"运行模式","en":"Mode"},"risky":false,"permission":"equipment:control","value":{"kind":"enum","options":["auto","cool","heat","fan"]}}]', 10000),
  ('chiller', '[{"action":"start","label":{"zh":"启动","en":"Start"},"risky":false,"permission":"equipment:control"},
            {"action":"stop","label":{"zh":"停机","en":"Stop"},"risky":true,"permission":"equipment:control"},
            {"action":"setpoint","label":{"zh":"冷冻水出水温度","en":"Chilled water setpoint"},"risky":false,"permission":"equipment:control","value":{"kind":"number","min":5,"max":15,"step":0.5,"unit":"°C"}}]', 15000),
  ('boiler', '[{"action":"start","label":{"zh":"启动","en":"Start"},"risky":false,"permission":"equipment:control"},
            {"action":"stop","label":{"zh":"停机","en":"Stop"},"risky":true,"permission":"equipment:control"},
            {"action":"setpoint","label":{"zh":"热水出水温度","en":"Hot water setpoint"},"risky":false,"permission":"equipment:control","value":{"kind":"number","min":40,"max":90,"step":1,"unit":"°C"}}]', 15000),
  ('cooling_tower', '[{"action":"start","label":{"zh":"启动","en":"Start"},"risky":false,"permission":"equipment:control"},
            {"action":"stop","label":{"zh":"停机","en":"Stop"},"risky":true,"permission":"equipment:control"}]', 10000),
  ('pump', '[{"action":"start","label":{"zh":"启动","en":"Start"},"risky":false,"permission":"equipment:control"},
            {"action":"stop","label":{"zh":"停机","en":"Stop"},"risky":true,"permission":"equipment:control"}]', 10000),
  ('light', '[{"action":"start","label":{"zh":"开灯","en":"Switch on"},"risky":false,"permission":"equipment:control"},
            {"action":"stop","label":{"zh":"关灯","en":"Switch off"},"risky":false,"permission":"equipment:control"}]', 10000),
  ('elevator', '[{"action":"recall","label":{"zh":"迫降首层","en":"Recall to ground floor"},"risky":true,"permission":"equipment:control"},
            {"action":"release","label":{"zh":"恢复运行","en":"Return to service"},"risky":false,"permission":"equipment:control"}]', 20000),
  ('access_reader', '[{"action":"lock","label":{"zh":"锁闭","en":"Lock"},"risky":false,"permission":"security:control"},
            {"action":"unlock","label":{"zh":"常开（解锁）","en":"Unlock (hold open)"},"risky":true,"permission":"security:control"},
            {"action":"normal","label":{"zh":"恢复刷卡","en":"Back to card access"},"risky":false,"permission":"security:control"}]', 10000),
  ('barrier_gate', '[{"action":"lock","label":{"zh":"锁闭","en":"Lock"},"risky":false,"permission":"security:control"},
            {"action":"unlock","label":{"zh":"常开（抬杆）","en":"Open (hold)"},"risky":true,"permission":"security:control"},
            {"action":"normal","label":{"zh":"恢复自动","en":"Back to automatic"},"risky":false,"permission":"security:control"}]', 10000),
  ('pa', '[{"action":"announce","label":{"zh":"广播","en":"Announce"},"risky":false,"permission":"security:control","value":{"kind":"text","max":200}}]', 10000),
  ('signage', '[{"action":"show","label":{"zh":"信息屏发布","en":"Show on displays"},"risky":false,"permission":"security:control","value":{"kind":"text","max":200}}]', 10000);
